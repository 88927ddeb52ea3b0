import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { escape, shortTime, type Bucket } from './api';

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
  // ECharts keeps its legend state in plain objects keyed by series name, so a name such as
  // 'hasOwnProperty' (an event or property value, chosen by whoever sends events) breaks it:
  // series are named by position, and the real names shown by the formatters.
  const label = (key: string) => series[Number(key.slice(1))]?.name ?? key;
  chart.setOption(
    {
      animation: false,
      // Room for the labels whatever their width, and for the legend under the axis, never on it.
      grid: { left: 8, right: 24, top: 16, bottom: series.length > 1 ? 40 : 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: (params: unknown) => {
          const ps = params as { marker: string; seriesIndex: number; value: [number, number] }[];
          const at = ps[0] ? shortTime(new Date(ps[0].value[0]).toISOString(), zone) : '';
          return [
            escape(at),
            ...ps.map((p) => `${p.marker}${escape(series[p.seriesIndex]?.name ?? '')}: ${p.value[1]}`),
          ].join('<br/>');
        },
      },
      legend: series.length > 1 ? { type: 'scroll', bottom: 0, left: 'center', formatter: label } : undefined,
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
        name: `s${i}`,
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
