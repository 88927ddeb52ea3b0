import { z } from 'zod';
import { isoTimeField as iso } from '../values/iso-time';
import { METRIC_CATALOG } from '../metric-catalog/catalog';
import { INSIGHT_ID } from '../insights/definition';

export const EXPERIMENT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Catalog metrics with a value per event (a count, or a sum of one property): a mean per user exists. */
const PER_USER = METRIC_CATALOG.filter((m) => m.measure.kind === 'count' || m.measure.kind === 'sum').map(
  (m) => m.name,
) as [string, ...string[]];

/**
 * A metric an experiment is judged by: a conversion (did `event`, optionally with a property
 * equal to a value, within the window after the user's first exposure), or the mean per exposed
 * user of a catalog metric (a sum such as revenue or watch seconds, or a count).
 */
export const ExperimentMetricSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('conversion'),
      event: z.string().trim().min(1, 'event is empty').max(200),
      where: z
        .strictObject({ property: z.string().min(1).max(200), equals: z.string().max(2000) })
        .optional(),
    }),
    z.strictObject({
      kind: z.literal('mean'),
      metric: z.enum(PER_USER, {
        error: `metric must be a catalog metric counted or summed per event: one of ${PER_USER.join(', ')}`,
      }),
    }),
    /**
     * A saved insight (a metric defined without code) over its events and filters: counted or
     * summed per event, its mean per exposed person; unique persons, a conversion.
     */
    z.strictObject({
      kind: z.literal('insight'),
      insight: z.string().regex(INSIGHT_ID, 'insight must be the id of a saved insight'),
    }),
  ],
  {
    error:
      'a metric is {"kind":"conversion","event":...}, {"kind":"mean","metric":<catalog metric>} or {"kind":"insight","insight":<saved insight>}',
  },
);
export type ExperimentMetric = z.output<typeof ExperimentMetricSchema>;

/**
 * An experiment as its owners define it. Exposures are Segment's `Experiment Viewed` calls
 * (`experiment_id`, `variation_id`) or PostHog's `$feature_flag_called`; assignment follows
 * GrowthBook's hashing (version 2) over `seed` (the id unless set), the weights and `coverage`.
 */
export const ExperimentSchema = z
  .strictObject({
    id: z
      .string({ error: 'id is required' })
      .regex(
        EXPERIMENT_ID,
        'id: lowercase letters, digits, - and _, at most 63, starting with a letter or digit',
      ),
    name: z.string().trim().min(1, 'name is empty').max(200).optional(),
    variations: z
      .array(
        z.strictObject({
          id: z.string().trim().min(1, 'variation id is empty').max(100),
          name: z.string().max(200).optional(),
          weight: z.number().positive('a weight is above 0'),
        }),
      )
      .min(2, 'an experiment has at least two variations (the first is the control)')
      .max(10, 'at most 10 variations')
      .refine((vs) => new Set(vs.map((v) => v.id)).size === vs.length, 'a variation id is listed twice')
      .refine(
        (vs) => Math.abs(vs.reduce((a, v) => a + v.weight, 0) - 1) < 1e-6,
        'the weights add up to 1 (such as 0.5 and 0.5)',
      ),
    seed: z.string().min(1).max(200).optional(),
    coverage: z.number().gt(0, 'coverage is above 0').max(1, 'coverage is at most 1').default(1),
    start: iso('start'),
    end: iso('end').optional(),
    goals: z.array(ExperimentMetricSchema).min(1, 'name at least one goal metric').max(10),
    guardrails: z.array(ExperimentMetricSchema).max(10).default([]),
    conversionWindowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(72),
  })
  .refine((e) => e.end === undefined || Date.parse(e.end) > Date.parse(e.start), {
    message: 'end is after start',
    path: ['end'],
  });

export type ExperimentDefinition = z.output<typeof ExperimentSchema>;
