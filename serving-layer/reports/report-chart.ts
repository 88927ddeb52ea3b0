import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { dirname, join } from 'node:path';

// A font shipped with the package: text renders the same on a server with no fonts installed.
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(FONT_DIR, f));

export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 220;

/**
 * A line chart of a metric over the period against the previous one, as a PNG. Mail clients do
 * not run scripts and many block SVG, so ECharts renders server-side to SVG and resvg rasterises
 * it, at twice the size for sharp text on high-density screens.
 */
export function renderChartPng(opts: {
  labels: string[];
  current: number[];
  previous: number[];
  currentName: string;
  previousName: string;
}): Buffer {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
  });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: 'DejaVu Sans' },
      color: ['#2f6fde', '#9aa5b1'],
      legend: {
        top: 4,
        right: 8,
        itemGap: 20,
        itemWidth: 18,
        itemHeight: 3,
        icon: 'rect',
        textStyle: { fontSize: 11, color: '#3e4c59' },
      },
      grid: { left: 56, right: 16, top: 36, bottom: 32 },
      xAxis: {
        type: 'category',
        data: opts.labels,
        axisLabel: { fontSize: 10, color: '#52606d', hideOverlap: true },
      },
      yAxis: {
        type: 'value',
        axisLabel: { fontSize: 10, color: '#52606d' },
        splitLine: { lineStyle: { color: '#e4e7eb' } },
      },
      series: [
        {
          name: opts.currentName,
          type: 'line',
          data: opts.current,
          showSymbol: false,
          lineStyle: { width: 2.5 },
        },
        {
          name: opts.previousName,
          type: 'line',
          data: opts.previous.slice(0, opts.labels.length),
          showSymbol: false,
          lineStyle: { width: 1.5, type: 'dashed' },
        },
      ],
    });
    const svg = chart.renderToSVGString();
    return new Resvg(svg, {
      font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
      fitTo: { mode: 'zoom', value: 2 },
    })
      .render()
      .asPng();
  } finally {
    chart.dispose();
  }
}
