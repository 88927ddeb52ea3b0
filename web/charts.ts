import * as echarts from 'echarts';
import type { Bucket } from './api';

/** A time series; the buckets answered by the speed view (or late) shaded, batch ones plain. */
export function timeSeries(el: HTMLElement, series: { name: string; points: Bucket[] }[]): echarts.ECharts {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el);
  const all = series.flatMap((s) => s.points);
  const speed = all.filter((b) => b.source !== 'batch').map((b) => Date.parse(b.start));
  chart.setOption(
    {
      animation: false,
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      tooltip: { trigger: 'axis' },
      legend: series.length > 1 ? { type: 'scroll' } : undefined,
      xAxis: { type: 'time' },
      yAxis: { type: 'value' },
      series: series.map((s, i) => ({
        name: s.name,
        type: 'line',
        // Points marked when few, so a lone bucket shows.
        showSymbol: s.points.length <= 48,
        data: s.points.map((b) => [Date.parse(b.start), b.value]),
        ...(i === 0 && speed.length > 0
          ? {
              markArea: {
                silent: true,
                itemStyle: { color: 'rgba(255, 170, 0, 0.12)' },
                data: [[{ xAxis: Math.min(...speed), name: 'speed' }, { xAxis: Math.max(...speed) }]],
              },
            }
          : {}),
      })),
    },
    true,
  );
  return chart;
}
