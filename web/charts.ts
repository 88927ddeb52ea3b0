import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { shortTime, type Bucket } from './api';

// Only the parts the app draws: a fraction of the whole library's bundle.
echarts.use([
  LineChart,
  BarChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/**
 * A time series; the buckets answered by the speed view (or late) shaded, batch ones plain. Times
 * on the axis are the user's zone.
 */
export function timeSeries(
  el: HTMLElement,
  series: { name: string; points: Bucket[] }[],
  o: { kind?: 'line' | 'bar'; zone?: string; range?: { from: string; to: string } } = {},
): echarts.ECharts {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el);
  const zone = o.zone ?? 'UTC';
  const all = series.flatMap((s) => s.points);
  const speed = all.filter((b) => b.source !== 'batch').map((b) => Date.parse(b.start));
  chart.setOption(
    {
      animation: false,
      // Room for the labels whatever their width, and for the legend under the axis, never on it.
      grid: { left: 8, right: 24, top: 16, bottom: series.length > 1 ? 40 : 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      legend: series.length > 1 ? { type: 'scroll', bottom: 0, left: 'center' } : undefined,
      xAxis: {
        type: 'time',
        // The axis spans the question's range, not a rounded one past it (a day ahead, or two).
        ...(o.range ? { min: Date.parse(o.range.from), max: Date.parse(o.range.to) } : {}),
        axisLabel: {
          // 'hh:mm', or 'MM-DD' at the zone's midnight.
          formatter: (v: number) => {
            const t = shortTime(new Date(v).toISOString(), zone);
            return t.endsWith('00:00') ? t.slice(0, 5) : t.slice(6);
          },
        },
      },
      yAxis: { type: 'value' },
      series: series.map((s, i) => ({
        name: s.name,
        type: o.kind ?? 'line',
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
