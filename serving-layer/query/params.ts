import { z } from 'zod';
import { boundedTime, timeBoundsMessage } from '../../core/values/iso-time';
import { METRIC_CATALOG } from '../../core/metric-catalog/catalog';
import { CONTENT_SORTS } from './content-query';
import { BadQueryError } from './errors';
import { MAX_STEPS } from './funnel-query';
import { FUNNEL_ORDERS } from './funnel';
import { GRANULARITIES, INSIGHT_GRANULARITIES, MAX_BUCKETS } from './granularity';
import { isTimeZone } from '../../core/time/calendar';

/**
 * The query parameters of every analytics route, one zod schema each: the controllers parse with
 * them and the OpenAPI document (serving-layer/openapi.ts) is generated from them, so a limit or a
 * choice is written once. Parameters arrive as text; an empty one counts as absent.
 */

/** The catalog's names and the aliases the API still answers to. */
export const METRIC_NAMES = [...METRIC_CATALOG.map((m) => m.name), 'events_count'] as const;

const wholeNumber = (name: string, def: number, min: number, max: number, description: string) => {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, message)
    .default(def)
    .meta({ description: `${description} (${min} to ${max}, default ${def})`, default: def });
};

const choice = <T extends string>(name: string, choices: readonly [T, ...T[]], def: T, description: string) =>
  z
    .enum(choices, { error: `${name} must be one of ${choices.join(', ')}` })
    .default(def)
    .meta({ description });

const isoTime = (name: string, description: string) =>
  z
    .string({ error: `${name} must be given once` })
    .refine((v) => boundedTime(v) !== undefined, timeBoundsMessage(name))
    .optional()
    .meta({ description, format: 'date-time' });

const text = (name: string, description: string, max = 2000) =>
  z
    .string({ error: `${name} must be given once` })
    .max(max, `${name} is longer than ${max} characters`)
    .optional()
    .meta({ description });

/** ?from&to: the range, checked against each other by parseTimeRange (time-range.ts). */
export const RangeParams = z.object({
  from: isoTime('from', 'start of the range, ISO-8601 (default: 24 hours ago)'),
  to: isoTime('to', 'end of the range, exclusive, ISO-8601 (default: now); at most 400 days after from'),
});

/** ?persons=false: count ids instead of persons (ids joined by identify and alias calls). */
const PersonsParam = {
  persons: choice(
    'persons',
    ['true', 'false'],
    'true',
    'true: a user is a person, the ids joined by identify and alias calls (GET /v1/persons/:id), so browsing anonymously then buying signed in is one user; false: each id is a user',
  ),
};

/** ?segment=: only events of users in the segment as they happened. */
const SegmentParam = {
  segment: text(
    'segment',
    'only events whose user was in this segment when they happened (GET /v1/segments lists them); with breakdown=segment, up to 10, comma-separated',
    700,
  ),
};

/** GET /v1/segments/:id/size: members at the end of each bucket. */
export const SegmentSizeParams = RangeParams.extend({
  granularity: choice('granularity', GRANULARITIES, 'day', `bucket size; at most ${MAX_BUCKETS} buckets`),
});

/** GET /v1/insights/:id/answer: a defined metric over a range, optionally beside the period before. */
export const InsightAnswerParams = RangeParams.extend({
  granularity: choice(
    'granularity',
    INSIGHT_GRANULARITIES,
    'day',
    `bucket size; days, weeks (from Monday) and months in the time zone tz; at most ${MAX_BUCKETS} buckets`,
  ),
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, { error: 'tz must be an IANA time zone such as Europe/Paris or America/New_York' })
    .default('UTC')
    .meta({ description: 'the time zone days, weeks and months start in (IANA name; default UTC)' }),
  rolling: wholeNumber(
    'rolling',
    1,
    1,
    366,
    'each bucket over this many buckets ending with it (granularity=day&rolling=7: a 7-day rolling value); 1: none',
  ),
  compare: z
    .enum(['previous'], { error: 'compare must be previous (the period of the same length just before)' })
    .optional()
    .meta({ description: 'previous: also the period of the same length just before, and the change' }),
});

/** GET /v1/segments/:id/members: who is in it at a moment. */
export const SegmentMembersParams = z.object({
  at: isoTime('at', 'the moment (default: now)'),
});

/** GET /v1/commerce: a range, optionally one segment. */
export const CommerceParams = RangeParams.extend(SegmentParam);

export const MetricParams = RangeParams.extend({
  ...SegmentParam,
  breakdown: z
    .enum(['segment'], { error: 'breakdown must be segment (one series per segment named in segment=)' })
    .optional()
    .meta({ description: "segment: one series per segment named in segment= (each bucket's dim)" }),
  granularity: choice('granularity', GRANULARITIES, 'hour', `bucket size; at most ${MAX_BUCKETS} buckets`),
  groupBy: text(
    'groupBy',
    "the metric's dimension (GET /v1/metrics lists it), an event dimension (device_type, browser, os, country, region, city, utm_source, utm_medium, utm_campaign, utm_term, utm_content, referrer_domain), property.<name> (any property the events carry) or person.<trait> (the person's trait at the event's time), to split buckets by its values; events without one count under '(none)'",
    200,
  ),
  filter: text(
    'filter',
    "dimension:value[,value][;dimension:value...]: only events with one of these values of each dimension named (the metric's own or an event dimension; at most 100 values each; '(none)' for events without one)",
  ),
  filters: text(
    'filters',
    'a JSON filter: only events it holds for. {"and":[..]}, {"or":[..]}, {"not":..} or a condition {"property":"country|property.<name>|person.<trait>","op":"equals|not_equals|in|not_in|contains|not_contains|regex|gt|gte|lt|lte|set|not_set","value":..|"values":[..]}; a person trait is its value at the event\'s time',
    10_000,
  ),
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be a whole number from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'limit must be a whole number from 1 to 1000')
    .optional()
    .meta({
      description:
        'with groupBy or breakdown: only the largest N groups over the range, the rest as one group (other); the answer lists the groups in that order',
    }),
});

/** GET /metrics?name=: the same answer as /v1/metrics/:name. */
export const MetricByNameParams = MetricParams.extend({
  name: z
    .string({ error: 'name is required: a catalog metric (GET /v1/metrics lists them)' })
    .max(200, 'name is longer than 200 characters')
    .meta({ description: 'a catalog metric', enum: [...METRIC_NAMES] }),
});

export const ContentParams = RangeParams.extend({
  ...SegmentParam,
  limit: wholeNumber('limit', 20, 1, 1000, 'items to return'),
  sort: choice('sort', CONTENT_SORTS, 'plays', 'order of the items'),
  contentId: text('contentId', 'only these content ids, comma-separated').transform((v) =>
    v === undefined ? undefined : v.split(','),
  ),
});

export const ProductsParams = RangeParams.extend({
  ...SegmentParam,
  by: choice('by', ['product', 'category'], 'product', 'what to group by'),
  limit: wholeNumber('limit', 50, 1, 1000, 'items to return'),
});

const STEPS_REQUIRED =
  'steps is required: event names in order, comma-separated (steps=product_view,add_to_cart,purchase)';

export const FunnelParams = RangeParams.extend({
  ...SegmentParam,
  ...PersonsParam,
  steps: z
    .string({ error: STEPS_REQUIRED })
    .transform((v) => v.split(',').map((s) => s.trim()))
    .superRefine((steps, ctx) => {
      if (steps.length < 2 || steps.length > MAX_STEPS)
        ctx.addIssue({
          code: 'custom',
          message: `a funnel has 2 to ${MAX_STEPS} steps, not ${steps.length}`,
        });
      else if (steps.some((s) => s === '' || s.length > 200))
        ctx.addIssue({ code: 'custom', message: 'every step is an event name of 1 to 200 characters' });
    })
    .meta({ description: `event names in order, comma-separated (2 to ${MAX_STEPS})` }),
  windowSeconds: wholeNumber(
    'windowSeconds',
    86_400,
    1,
    30 * 86_400,
    'time allowed from the first step to the last, in seconds',
  ),
  order: choice(
    'order',
    FUNNEL_ORDERS,
    'ordered',
    'ordered: steps in order, other events between allowed; strict: nothing between; any: any order',
  ),
  exclude: z
    .string()
    .max(2000)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .refine((xs) => xs.length <= MAX_STEPS && xs.every((x) => x.length <= 200), {
      error: `exclude: at most ${MAX_STEPS} event names of at most 200 characters, comma-separated`,
    })
    .optional()
    .meta({
      description: 'events that leave a person out when done between two of their steps (comma-separated)',
    }),
  breakdown: z.string().max(200).optional().meta({
    description: 'one funnel per value at the first step: a dimension, property.<path> or person.<trait>',
  }),
  limit: wholeNumber('limit', 10, 1, 100, 'breakdown groups kept; the rest are folded into (other)'),
});

export const PathParams = RangeParams.extend({
  ...PersonsParam,
  start: z
    .string({ error: 'start is required: a page path (start=/pricing) or an event name (start=signed_up)' })
    .min(1, 'start is a page path or an event name of 1 to 500 characters')
    .max(500, 'start is a page path or an event name of 1 to 500 characters')
    .meta({ description: 'where paths start (or end, with direction=before): a page path or an event name' }),
  direction: choice(
    'direction',
    ['after', 'before'],
    'after',
    'after: where people go next; before: where they came from',
  ),
  steps: wholeNumber('steps', 3, 1, 10, 'steps followed from the start'),
  limit: wholeNumber('limit', 20, 1, 200, 'paths listed, most taken first'),
});

export const RetentionParams = RangeParams.extend({
  ...SegmentParam,
  ...PersonsParam,
  period: choice('period', ['day', 'week'], 'day', 'cohort period (weeks start on Monday, UTC)'),
  event: z
    .string({ error: 'event must be one event name of at most 200 characters' })
    .max(200, 'event must be one event name of at most 200 characters')
    .optional()
    .meta({ description: 'count only this event as activity (default: any event)' }),
});

/** GET /v1/sessions: visits, by bucket, optionally split or filtered by an event dimension. */
export const SessionParams = RangeParams.extend({
  granularity: choice('granularity', GRANULARITIES, 'day', `bucket size; at most ${MAX_BUCKETS} buckets`),
  groupBy: text(
    'groupBy',
    "an event dimension (device_type, country, utm_source, referrer_domain...): each session counts under its first event's value",
    200,
  ),
  filter: text(
    'filter',
    'dimension:value[,value][;dimension:value...]: only sessions whose first event holds one of these values of each event dimension named',
  ),
  limit: wholeNumber('limit', 10, 1, 100, 'entry and exit pages listed'),
});

/**
 * Parses a route's query parameters with its schema; every problem, each naming its parameter, is
 * one BadQueryError (400), so a caller can fix them all at once.
 */
export function parseParams<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new BadQueryError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}
