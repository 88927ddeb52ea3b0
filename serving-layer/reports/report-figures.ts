import type { ReportDefinition } from '../../core/reports/definition';
import type { MetricFigures, ReportFigures, ReportQuality } from '../../core/reports/figures';
import type { QualityAnswer, QualityQuery } from '../quality/quality-query';
import { reportWindows, type Span } from '../../core/reports/periods';
import { sessionMetricByName } from '../../core/metric-catalog/session-metrics';
import { BUCKET_MS, type Granularity } from '../query/granularity';
import { catalogListing, dimensionName, type MetricQuery } from '../query/metric-query';
import { BadQueryError } from '../query/errors';
import type { InsightDefinition } from '../../core/insights/definition';

const KIND = new Map(catalogListing().map((m) => [m.name, m.value]));

/** What a report needs of a metric (a catalog or a session metric) to chart it. */
interface Figured {
  name: string;
  description: string;
  /** Hour buckets add into days (counts and sums; sessions, counted where they start). */
  additive: boolean;
  /** An amount in several currencies: one figure per currency. */
  perCurrency: boolean;
}

function figured(metrics: MetricQuery, name: string): Figured {
  const session = sessionMetricByName(name);
  if (session)
    return {
      name: session.name,
      description: session.description,
      additive: session.value === 'count',
      perCurrency: false,
    };
  const def = metrics.definition(name);
  return {
    name: def.name,
    description: def.description,
    additive: def.measure.kind !== 'unique_actors',
    perCurrency: def.measure.kind === 'sum' && dimensionName(def) === 'currency',
  };
}

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
  metrics: MetricQuery,
  project: string,
  def: Figured,
  spans: Span[],
): Promise<({ name: string; value: string } | undefined)[]> {
  if (!def.perCurrency) return [undefined];
  const seen = new Set<string>();
  for (const s of spans) {
    const a = await metrics.query({
      metric: def.name,
      project,
      range: { from: new Date(s.start), to: new Date(s.end) },
      granularity: 'day',
      groupBy: 'currency',
    });
    for (const b of a.buckets) if (b.dim !== undefined && b.value !== 0) seen.add(b.dim);
  }
  return seen.size === 0 ? [undefined] : [...seen].sort().map((value) => ({ name: 'currency', value }));
}

/**
 * The value of each chart bucket: what GET /v1/metrics/<name> answers for that bucket's span. When
 * the buckets line up with the API's own (UTC hours or days), one query over the whole span gives
 * them all: counts and sums add day (or hour) buckets into local days exactly; a unique count can only
 * take a bucket of exactly its size (a day's unique users is not a sum of hours). Otherwise (a
 * half-hour time zone, unique users per local day away from UTC) each bucket is its own query.
 */
async function seriesOf(
  metrics: MetricQuery,
  project: string,
  def: Figured,
  span: Span,
  buckets: Span[],
  dims?: string[],
): Promise<number[]> {
  const query = (s: Span, g: Granularity) =>
    metrics.query({
      metric: def.name,
      project,
      range: { from: new Date(s.start), to: new Date(s.end) },
      granularity: g,
      ...(dims ? { dims } : {}),
    });
  const bounds = buckets.map((b) => [Date.parse(b.start), Date.parse(b.end)] as const);
  const onGrid = (ms: number) => bounds.every(([a, b]) => a % ms === 0 && b % ms === 0);
  const exactly = (ms: number) => onGrid(ms) && bounds.every(([a, b]) => b - a === ms);
  const unique = !def.additive;
  // Counts and sums take the coarsest grid the buckets lie on: UTC days read the days' rolled-up
  // views, 24 times fewer files than their hours; local days away from UTC add up hours.
  const additive: Granularity | undefined = onGrid(BUCKET_MS.day)
    ? 'day'
    : onGrid(BUCKET_MS.hour)
      ? 'hour'
      : undefined;
  const g: Granularity | undefined = unique
    ? exactly(BUCKET_MS.hour)
      ? 'hour'
      : exactly(BUCKET_MS.day)
        ? 'day'
        : undefined
    : additive;
  if (!g) return mapLimited(buckets, 4, async (b) => (await query(b, 'day')).value);
  const sums = new Array<number>(buckets.length).fill(0);
  let i = 0;
  // Both lists are in time order: walk them together.
  for (const b of [...(await query(span, g)).buckets].sort((x, y) => x.start.localeCompare(y.start))) {
    const at = Date.parse(b.start);
    while (i < bounds.length && at >= (bounds[i] as readonly [number, number])[1]) i++;
    if (i < bounds.length && at >= (bounds[i] as readonly [number, number])[0])
      sums[i] = (sums[i] ?? 0) + b.value;
  }
  return sums;
}

/**
 * A report's figures for the period a run at `at` covers, computed by the serving layer's own
 * query code: each figure is exactly what GET /v1/metrics/<name>?from&to answers for that span
 * (batch view up to the watermark, speed view after, unique counts merged, not added).
 */
export async function computeFigures(
  metrics: MetricQuery,
  report: ReportDefinition,
  at: Date,
  extra: { quality?: QualityQuery; now?: () => Date; insights?: InsightSource } = {},
): Promise<ReportFigures> {
  const now = extra.now ?? (() => new Date());
  const w = reportWindows(report.period, report.timeZone, at);
  const range = (s: Span) => ({ from: new Date(s.start), to: new Date(s.end) });
  // A range's value does not depend on the bucket size; day buckets move the fewest sketch cells.
  const value = async (name: string, s: Span, dims?: string[]) =>
    metrics.query({
      metric: name,
      project: report.project,
      range: range(s),
      granularity: 'day',
      ...(dims ? { dims } : {}),
    });
  const figures: MetricFigures[] = [];
  let sources: ReportFigures['sources'] = [];
  let watermark: string | null = null;
  for (const name of report.metrics) {
    const def = figured(metrics, name);
    for (const dimension of await currenciesOf(metrics, report.project, def, [w.period, w.previous])) {
      const dims = dimension ? [dimension.value] : undefined;
      const [current, previous] = [await value(name, w.period, dims), await value(name, w.previous, dims)];
      const series = await seriesOf(metrics, report.project, def, w.period, w.buckets, dims);
      const previousSeries = await seriesOf(
        metrics,
        report.project,
        def,
        w.previous,
        w.previousBuckets,
        dims,
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
  for (const id of report.insights ?? []) {
    const insight = await extra.insights?.definition(report.project, id);
    if (!insight)
      throw new BadQueryError(
        `report ${report.id} shows insight ${id}, which is not saved: save it again or remove it`,
      );
    figures.push(await insightFigures(metrics, { report, insight, w }));
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
    ...(report.quality && extra.quality
      ? { quality: reportQuality(await extra.quality.quality(report.project, range(w.period))) }
      : {}),
  };
}

/** The report's data-quality section from GET /v1/quality's answer for the period. */
export function reportQuality(q: QualityAnswer): ReportQuality {
  return {
    events: [...q.events]
      .sort((a, b) => b.events - a.events || a.event.localeCompare(b.event))
      .slice(0, 10)
      .map((e) => ({
        event: e.event,
        events: e.events,
        duplicateRate: e.duplicateRate,
        lateShare: e.lateShare,
        skewSeconds: e.clockSkew.measured > 0 ? e.clockSkew.seconds.p50 : null,
      })),
    anomalies: q.anomalies
      .slice(0, 10)
      .map(({ event, hour, count, direction }) => ({ event, hour, count, direction })),
    quarantine: {
      total: q.quarantine.total,
      rate: q.quarantine.rate,
      topReason: q.quarantine.reasons[0]?.reason ?? null,
    },
  };
}

/** Where a report finds the insights it names (the insight store, PostgreSQL). */
export interface InsightSource {
  definition(project: string, id: string): Promise<InsightDefinition | undefined>;
}

const INSIGHT_KIND: Record<string, MetricFigures['kind']> = {
  count: 'count',
  sum: 'sum',
  unique_persons: 'unique',
};

/**
 * A saved insight's figures: what GET /v1/insights/<id>/answer gives for the period and the one
 * before, and per chart bucket (local hours of a day, local days of a week or month: the same
 * buckets the insight answers in the report's zone). A bucket with nothing measured is 0 in the
 * chart; the figure itself is null then.
 */
async function insightFigures(
  metrics: MetricQuery,
  o: { report: ReportDefinition; insight: InsightDefinition; w: ReturnType<typeof reportWindows> },
): Promise<MetricFigures> {
  const { report, insight, w } = o;
  const granularity = report.period === 'daily' ? 'hour' : 'day';
  const ask = (s: Span) =>
    metrics.insights().answer({
      insight,
      project: report.project,
      range: { from: new Date(s.start), to: new Date(s.end) },
      granularity,
      tz: report.timeZone,
    });
  const [current, previous] = [await ask(w.period), await ask(w.previous)];
  const series = (a: typeof current, buckets: Span[]) => {
    const at = new Map(a.buckets.map((b) => [Date.parse(b.start), b.value ?? 0]));
    return buckets.map((b) => at.get(Date.parse(b.start)) ?? 0);
  };
  const kind = INSIGHT_KIND[current.measure] ?? 'average';
  return {
    name: `insight:${insight.id}`,
    description: insight.description ?? `insight ${insight.id}`,
    kind,
    value: current.value ?? 0,
    previous: previous.value ?? 0,
    change:
      current.value === null || previous.value === null || previous.value === 0
        ? null
        : (current.value - previous.value) / previous.value,
    ...(current.standardError !== undefined ? { standardError: current.standardError } : {}),
    series: series(current, w.buckets),
    previousSeries: series(previous, w.previousBuckets),
  };
}
