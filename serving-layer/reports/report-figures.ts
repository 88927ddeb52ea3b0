import type { ReportDefinition } from '../../core/reports/definition';
import type { MetricFigures, ReportFigures } from '../../core/reports/figures';
import { reportWindows, type Span } from '../../core/reports/periods';
import type { MetricDefinition } from '../../core/metrics/catalog';
import { catalogListing, dimensionName, type MetricsService } from '../metrics/metrics.service';

const KIND = new Map(catalogListing().map((m) => [m.name, m.value]));

/** Runs `f` over `items`, at most `limit` at once, keeping the order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The currencies an amount metric has in the spans, one figure each; other metrics are one figure
 * (undefined), as is an amount with no data yet.
 */
async function currenciesOf(
  metrics: MetricsService,
  project: string,
  def: MetricDefinition,
  spans: Span[],
): Promise<({ name: string; value: string } | undefined)[]> {
  if (def.measure.kind !== 'sum' || dimensionName(def) !== 'currency') return [undefined];
  const seen = new Set<string>();
  for (const s of spans) {
    const a = await metrics.query(
      def.name,
      project,
      { from: new Date(s.start), to: new Date(s.end) },
      'day',
      {
        groupBy: 'currency',
      },
    );
    for (const b of a.buckets) if (b.dim !== undefined && b.value !== 0) seen.add(b.dim);
  }
  return seen.size === 0 ? [undefined] : [...seen].sort().map((value) => ({ name: 'currency', value }));
}

/**
 * A report's figures for the period a run at `at` covers, computed by the serving layer's own
 * query code: each figure is exactly what GET /v1/metrics/<name>?from&to answers for that span
 * (batch view up to the watermark, speed view after, unique counts merged, not added). Each chart
 * bucket is its own query for the same reason: a local day's unique users is not a sum of hours.
 */
export async function computeFigures(
  metrics: MetricsService,
  report: ReportDefinition,
  at: Date,
  now: () => Date = () => new Date(),
): Promise<ReportFigures> {
  const w = reportWindows(report.period, report.timeZone, at);
  const range = (s: Span) => ({ from: new Date(s.start), to: new Date(s.end) });
  const value = async (name: string, s: Span, dims?: string[]) =>
    metrics.query(name, report.project, range(s), 'hour', dims ? { dims } : {});
  const figures: MetricFigures[] = [];
  let sources: ReportFigures['sources'] = [];
  let watermark: string | null = null;
  for (const name of report.metrics) {
    const def = metrics.definition(name);
    for (const dimension of await currenciesOf(metrics, report.project, def, [w.period, w.previous])) {
      const dims = dimension ? [dimension.value] : undefined;
      const [current, previous] = [await value(name, w.period, dims), await value(name, w.previous, dims)];
      const series = await mapLimited(w.buckets, 4, async (b) => (await value(name, b, dims)).value);
      const previousSeries = await mapLimited(
        w.previousBuckets,
        4,
        async (b) => (await value(name, b, dims)).value,
      );
      if (figures.length === 0) {
        sources = current.parts.map((p) => ({ source: p.source, from: p.from, to: p.to }));
        watermark = current.watermark;
      }
      figures.push({
        name: def.name,
        ...(dimension ? { dimension } : {}),
        description: def.description,
        kind: (KIND.get(def.name) ?? 'count') as MetricFigures['kind'],
        value: current.value,
        previous: previous.value,
        change: previous.value === 0 ? null : (current.value - previous.value) / previous.value,
        ...(current.standardError !== undefined ? { standardError: current.standardError } : {}),
        series,
        previousSeries,
      });
    }
  }
  return {
    reportId: report.id,
    name: report.name,
    project: report.project,
    timeZone: report.timeZone,
    period: w.period,
    previous: w.previous,
    buckets: w.buckets,
    previousBuckets: w.previousBuckets,
    metrics: figures,
    sources,
    watermark,
    computedAt: now().toISOString(),
  };
}
