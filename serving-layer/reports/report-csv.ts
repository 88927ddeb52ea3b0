import { csvLine } from '../../core/values/csv';
import type { ReportFigures } from '../../core/reports/figures';

/**
 * The figures in long form, one row per (metric, period, bucket): the totals first, then each
 * chart bucket. Values are the API's numbers unrounded, so a spreadsheet sums what the API says.
 */
export function figuresCsv(f: ReportFigures): string {
  const lines = [['metric', 'dimension', 'period', 'bucket', 'start', 'end', 'value']];
  const dim = (m: ReportFigures['metrics'][number]) =>
    m.dimension ? `${m.dimension.name}:${m.dimension.value}` : '';
  for (const m of f.metrics) {
    lines.push([m.name, dim(m), 'current', 'total', f.period.start, f.period.end, String(m.value)]);
    lines.push([m.name, dim(m), 'previous', 'total', f.previous.start, f.previous.end, String(m.previous)]);
  }
  for (const m of f.metrics) {
    f.buckets.forEach((b, i) =>
      lines.push([m.name, dim(m), 'current', b.label, b.start, b.end, String(m.series[i] ?? 0)]),
    );
    f.previousBuckets.forEach((b, i) =>
      lines.push([m.name, dim(m), 'previous', b.label, b.start, b.end, String(m.previousSeries[i] ?? 0)]),
    );
  }
  return `${lines.map(csvLine).join('\r\n')}\r\n`;
}
