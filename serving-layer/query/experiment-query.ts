import { compileFilter, type CompiledFilter } from '../../core/events/event-filter';
import { parsePropertyRef, type PropertyRef } from '../../core/events/property-ref';
import { seriesOf, type InsightDefinition } from '../../core/insights/definition';
import { scanEvents } from './event-scan';
import type { RawSpan } from '../views/raw-sql';
import type { SegmentDefinition } from '../../core/segments/definition';
import type { ExperimentDefinition, ExperimentMetric } from '../../core/experiments/definition';
import {
  experimentResults,
  type ExperimentResults,
  type MetricRow,
  type ResultOptions,
} from '../../core/experiments/results';
import { METRIC_CATALOG } from '../../core/metric-catalog/catalog';
import type { RawEventReader } from '../views/raw-event-reader';
import { BadQueryError } from './errors';
import type { Freshness, MetricQuery } from './metric-query';
import { MAX_RANGE_MS } from './time-range';
import { flatMapInTurns, mapInTurns } from '../../core/turns';

/** Segment's exposure event, and PostHog's: the experiment and the variation, by property. */
const EXPOSURES = [
  { event: 'Experiment Viewed', experiment: 'experiment_id', variation: 'variation_id' },
  { event: '$feature_flag_called', experiment: '$feature_flag', variation: '$feature_flag_response' },
] as const;

export interface ExperimentAnswer extends ExperimentResults {
  experiment: string;
  from: string;
  to: string;
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  segment?: string;
  freshness: Freshness;
}

/** A raw JSON value as text: strings unquoted, numbers as written; null when absent. */
function text(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return raw;
  }
}

/** What reading a metric's events needs: the event names, the property to read, and each event's value. */
function metricPlan(m: Exclude<ExperimentMetric, { kind: 'insight' }>): {
  events: string[] | undefined;
  prop?: string;
  value: (raw: string | null) => number;
} {
  if (m.kind === 'conversion') {
    const where = m.where;
    return where
      ? { events: [m.event], prop: where.property, value: (raw) => (text(raw) === where.equals ? 1 : 0) }
      : { events: [m.event], value: () => 1 };
  }
  const def = METRIC_CATALOG.find((d) => d.name === m.metric);
  const events = def?.events === '*' ? undefined : [...(def?.events ?? [])];
  if (def?.measure.kind === 'count') return { events, value: () => 1 };
  if (def?.measure.kind === 'sum') {
    return {
      events,
      prop: def.measure.property,
      value: (raw) => {
        const n = Number(text(raw));
        return Number.isFinite(n) ? n : 0;
      },
    };
  }
  throw new BadQueryError(
    `metric ${m.metric} is not a count or a sum of one property per event, so it has no mean per user: pick such a metric`,
  );
}

/**
 * An experiment's results from raw events: the lake before the batch watermark, the speed view
 * after it, each event read once; the exposures and every metric's events over the experiment,
 * a conversion window before it (CUPED's covariate) and one after its end.
 */
export class ExperimentQuery {
  constructor(
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
  ) {}

  results(q: {
    project: string;
    experiment: ExperimentDefinition;
    options: ResultOptions;
    /** The moment the answer is for (an experiment still running is read up to it). */
    now?: number;
    /** Only the users who were in the segment at their first exposure. */
    segment?: SegmentDefinition;
    /** The saved insights the experiment's metrics name, by id. */
    insights?: ReadonlyMap<string, InsightDefinition>;
  }): Promise<ExperimentAnswer> {
    const { project, experiment: e, options: o, now = Date.now(), segment } = q;
    const windowMs = e.conversionWindowHours * 3_600_000;
    const start = Date.parse(e.start);
    const end = Math.min(now, (e.end === undefined ? now : Date.parse(e.end)) + windowMs);
    if (end <= start)
      throw new BadQueryError(`experiment ${e.id} starts at ${e.start}: no results before then`);
    // One request reads at most what a metric route may: an experiment left running for years (or
    // started long ago) would otherwise have one request read every hour since.
    if (end - start > MAX_RANGE_MS)
      throw new BadQueryError(
        `experiment ${e.id} runs from ${e.start} for more than ${MAX_RANGE_MS / 86_400_000} days: give it an end within that of its start (PUT /v1/experiments/${e.id})`,
      );
    // To the next minute: requests within a minute share the cached answer.
    const range = { from: new Date(start - windowMs), to: new Date(Math.ceil(end / 60_000) * 60_000) };
    const all = [...e.goals, ...e.guardrails];
    // A saved insight as a metric: its events, filters and measure, checked before anything is read.
    const defined = all.map((m) => (m.kind === 'insight' ? insightPlan(m.insight, q.insights) : undefined));
    const plans = all.map((m) => (m.kind === 'insight' ? undefined : metricPlan(m)));
    const key = [
      'experiment',
      JSON.stringify(e),
      o.alpha,
      o.cuped,
      o.sequentialTuning ?? 0,
      range.to.getTime(),
      segment ?? null,
    ];
    return this.metrics.layers.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layers.layersOf({ range, project });
      const read = (events: string[] | undefined, props: string[]) =>
        this.raw.propertyEvents({ project, from: range.from, split, to: range.to }, { events, props });
      const exposureRows = await read(
        EXPOSURES.map((x) => x.event),
        EXPOSURES.flatMap((x) => [x.experiment, x.variation]),
      );
      let exposures = await flatMapInTurns(exposureRows, ([actor, event, at, ...props]) => {
        const i = EXPOSURES.findIndex((x) => x.event === event);
        // Only exposures of this experiment, from its start (and before its end).
        if (
          i < 0 ||
          text(props[2 * i]) !== e.id ||
          at < start ||
          (e.end !== undefined && at >= Date.parse(e.end))
        )
          return [];
        return [{ actor, at, variation: text(props[2 * i + 1]) ?? '' }];
      });
      if (segment) {
        // Only users in the segment at their first exposure; their later events all count.
        const member = await this.metrics.segments().filter(project, segment, range);
        const first = new Map<string, number>();
        for (const x of exposures) first.set(x.actor, Math.min(x.at, first.get(x.actor) ?? x.at));
        exposures = exposures.filter((x) => member(x.actor, first.get(x.actor) ?? x.at));
      }
      // Each unit is a person: exposed anonymously on a phone and buying signed in on a laptop is
      // one unit with its conversion (a person exposed to two variations is flagged as such).
      const graph = await this.metrics.persons().graph(project);
      exposures = exposures.map((x) => ({ ...x, actor: graph.personOf(x.actor) }));
      const metricRows: MetricRow[][] = [];
      const span = { project, from: range.from, split, to: range.to };
      for (const [k, plan] of plans.entries()) {
        const insight = defined[k];
        if (insight) {
          metricRows.push(await this.insightRows(span, insight, graph));
          continue;
        }
        if (!plan) continue;
        const rows = await read(plan.events, plan.prop === undefined ? [] : [plan.prop]);
        metricRows.push(
          await mapInTurns(rows, ([actor, , at, raw]) => ({
            actor: graph.personOf(actor),
            at,
            value: plan.value(raw ?? null),
          })),
        );
      }
      return {
        experiment: e.id,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        ...(await experimentResults(
          e,
          exposures,
          metricRows,
          o,
          all.map((m, k) =>
            m.kind === 'insight' ? (defined[k]?.conversion ?? false) : m.kind === 'conversion',
          ),
        )),
        ...(segment ? { segment: segment.id } : {}),
        counting: 'persons' as const,
        parts,
        watermark,
      };
    });
  }

  /** A saved insight's events of each person: 1 each (a count or a conversion), or its property's value (a sum). */
  private async insightRows(
    span: RawSpan,
    plan: InsightPlan,
    graph: { personOf(id: string): string },
  ): Promise<MetricRow[]> {
    const traits = plan.refs.some((r) => r.kind === 'person')
      ? (await this.metrics.segments().traitTimeline(span.project, { from: span.from, to: span.to })).traitsAt
      : undefined;
    const rows: MetricRow[] = [];
    const nf = plan.filter?.refs.length ?? 0;
    await scanEvents(
      this.raw,
      span,
      { events: plan.events, props: [], refs: plan.refs, ...(traits ? { traitsAt: traits } : {}) },
      ({ actor, at, values }) => {
        if (plan.filter && !plan.filter.matches(values.slice(0, nf))) return;
        const x = plan.summed ? values[nf] : 1;
        // A sum reads the events whose property is a number, as the insight does.
        if (typeof x !== 'number' || !Number.isFinite(x)) return;
        rows.push({ actor: graph.personOf(actor), at, value: x });
      },
    );
    return rows;
  }
}

/** What reading a saved insight as an experiment metric needs. */
interface InsightPlan {
  events: string[] | undefined;
  filter: CompiledFilter | undefined;
  /** The filter's references, then the summed property's. */
  refs: PropertyRef[];
  summed: boolean;
  conversion: boolean;
}

/**
 * A saved insight as an experiment metric: one series counted (a mean of events per person),
 * summed (a mean of its property per person) or counting unique persons (a conversion). Any other
 * measure, or a formula, has no value per person: refused with what to use instead.
 */
function insightPlan(id: string, insights: ReadonlyMap<string, InsightDefinition> | undefined): InsightPlan {
  const d = insights?.get(id);
  if (!d)
    throw new BadQueryError(`no saved insight ${id} in this project: POST /v1/insights, or name another`);
  const series = seriesOf(d)[0]?.[1];
  if (d.formula !== undefined || !series)
    throw new BadQueryError(
      `insight ${id} is a formula: an experiment metric needs one series (count, sum or unique persons)`,
    );
  const m = series.measure;
  if (m.kind !== 'count' && m.kind !== 'sum' && m.kind !== 'unique_persons')
    throw new BadQueryError(
      `insight ${id} measures ${m.kind}: an experiment metric is a count, a sum or unique persons (a conversion) per person`,
    );
  const filter = series.filters ? compileFilter(series.filters) : undefined;
  const summed = m.kind === 'sum';
  const property = summed ? parsePropertyRef(m.property) : undefined;
  if (property && 'error' in property) throw new BadQueryError(`insight ${id}: ${property.error}`);
  return {
    events: series.events,
    filter,
    refs: [...(filter?.refs ?? []), ...(property ? [property] : [])],
    summed,
    conversion: m.kind === 'unique_persons',
  };
}
