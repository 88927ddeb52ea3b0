import { z } from 'zod';
import { compileFilter, EventFilterSchema } from '../events/event-filter';
import { parsePropertyRef } from '../events/property-ref';
import { parseFormula } from './formula';
import { METRIC_CATALOG } from '../metric-catalog/catalog';
import { askableMetricNames } from '../metric-catalog/session-metrics';

/** The catalog's metrics: predefined insights, whose ids a defined one cannot take. */
const CATALOG_NAMES = new Set(askableMetricNames(METRIC_CATALOG));

export const INSIGHT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** What a defined metric measures over the events it keeps. */
export const MEASURES = ['count', 'unique_persons', 'sum', 'average', 'min', 'max', 'percentile'] as const;
export type Measure = (typeof MEASURES)[number];

const propertyName = z.string().trim().min(1).max(200);

/** What is measured over a series' events. */
const MeasureSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('count') }),
    z.strictObject({ kind: z.literal('unique_persons') }),
    z.strictObject({ kind: z.enum(['sum', 'average', 'min', 'max']), property: propertyName }),
    z.strictObject({
      kind: z.literal('percentile'),
      property: propertyName,
      p: z.number({ error: 'p is the percentile asked, 0 to 100 (90 for p90)' }).min(0).max(100),
    }),
  ],
  {
    error:
      'measure is {"kind":"count"}, {"kind":"unique_persons"}, {"kind":"sum|average|min|max","property":"property.<name>"} or {"kind":"percentile","property":"property.<name>","p":90}',
  },
);
const events = z.array(z.string().trim().min(1).max(200)).min(1).max(50);

/** One series: which events, what is measured over them, which of them count. */
const SeriesSchema = z.strictObject({
  events: events.optional(),
  measure: MeasureSchema,
  filters: EventFilterSchema.optional(),
});
export type InsightSeries = z.output<typeof SeriesSchema>;

/**
 * A metric defined without code: which events (by name; every event when absent), what is
 * measured over them (how many, how many persons, or the sum, average, minimum, maximum or a
 * percentile of a numeric property), which of them count (a filter on dimensions, properties and person traits),
 * or several such series and a formula over them (`A / B * 100`), and optionally what the answer
 * is split by. Stored per project in PostgreSQL; asked like a catalog metric, merged across the
 * layers at the watermark.
 */
export const InsightSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        INSIGHT_ID,
        'id: lowercase letters, digits, - and _, at most 63, starting with a letter or digit',
      ),
    description: z.string().max(2000).optional(),
    events: events.optional(),
    measure: MeasureSchema.optional(),
    filters: EventFilterSchema.optional(),
    /** Several series (A, B...) and a formula over them, instead of one measure. */
    series: z.record(z.string().regex(/^[A-E]$/, 'series are named A to E'), SeriesSchema).optional(),
    formula: z.string().max(200).optional(),
    groupBy: propertyName.optional(),
  })
  .superRefine((d, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (CATALOG_NAMES.has(d.id))
      problem(
        'id',
        `'${d.id}' is a catalog metric, already a predefined insight (GET /v1/insights lists them): pick another id`,
      );
    if (d.formula === undefined) {
      if (!d.measure) problem('measure', 'a measure, or series and a formula over them');
      if (d.series) problem('series', 'series need a formula over them (formula: "A / B * 100")');
    } else {
      if (!d.series || Object.keys(d.series).length === 0)
        problem('series', 'a formula needs series: {"A": {...}, "B": {...}}');
      if (d.measure || d.events || d.filters)
        problem('formula', 'with a formula, each series has its own events, measure and filters');
      try {
        parseFormula(d.formula, Object.keys(d.series ?? {}));
      } catch (e) {
        problem('formula', (e as Error).message);
      }
    }
    const series = seriesOf(d);
    for (const [name, s] of series) {
      const at = series.length > 1 || d.formula ? `series ${name} ` : '';
      if ('property' in s.measure) {
        const ref = parsePropertyRef(s.measure.property);
        if ('error' in ref) problem('measure', `${at}${ref.error}`);
      }
      if (s.filters) {
        try {
          compileFilter(s.filters);
        } catch (e) {
          problem('filters', `${at}${(e as Error).message}`);
        }
      }
    }
    if (d.groupBy !== undefined) {
      const ref = parsePropertyRef(d.groupBy);
      if ('error' in ref) problem('groupBy', ref.error);
    }
  });

export type InsightDefinition = z.output<typeof InsightSchema>;

/** A definition's series by name: its formula's, or its one measure as series A. */
export function seriesOf(d: {
  events?: string[] | undefined;
  measure?: InsightSeries['measure'] | undefined;
  filters?: InsightSeries['filters'] | undefined;
  series?: Record<string, InsightSeries> | undefined;
  formula?: string | undefined;
}): [string, InsightSeries][] {
  if (d.formula !== undefined) return Object.entries(d.series ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (!d.measure) return [];
  return [
    [
      'A',
      {
        measure: d.measure,
        ...(d.events ? { events: d.events } : {}),
        ...(d.filters ? { filters: d.filters } : {}),
      },
    ],
  ];
}
