import { z } from 'zod';

export const SEGMENT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Behavioural conditions look back at most this far (the lake is read this far before a range). */
export const MAX_LOOKBACK_DAYS = 365;
const MAX_DEPTH = 6;
const MAX_CONDITIONS = 50;

const scalar = z.union([z.string().max(2000), z.number(), z.boolean()]);
const traitName = z.string().trim().min(1, 'trait is empty').max(200);

/** A condition on a user trait: its latest value (from identify calls and context.traits) at the time. */
const TraitCondition = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ trait: traitName, op: z.literal('equals'), value: scalar }),
    z.strictObject({ trait: traitName, op: z.literal('in'), values: z.array(scalar).min(1).max(1000) }),
    z.strictObject({ trait: traitName, op: z.literal('contains'), value: z.string().min(1).max(2000) }),
    z
      .strictObject({
        trait: traitName,
        op: z.literal('between'),
        min: z.number().optional(),
        max: z.number().optional(),
      })
      .refine((c) => c.min !== undefined || c.max !== undefined, 'between needs min, max or both'),
    z.strictObject({ trait: traitName, op: z.literal('set') }),
    z.strictObject({ trait: traitName, op: z.literal('not_set') }),
  ],
  { error: 'a trait condition is {"trait":..,"op":"equals|in|contains|between|set|not_set",...}' },
);

/** A condition on behaviour: did `event` (with a property equal to a value) at least N times in the last D days. */
const EventCondition = z.strictObject({
  event: z.string().trim().min(1, 'event is empty').max(200),
  atLeast: z.number().int().min(1).max(1_000_000).default(1),
  inLastDays: z.number().gt(0).max(MAX_LOOKBACK_DAYS, `inLastDays is at most ${MAX_LOOKBACK_DAYS}`),
  where: z.strictObject({ property: z.string().min(1).max(200), equals: scalar }).optional(),
});

export type TraitCondition = z.output<typeof TraitCondition>;
export type EventCondition = z.output<typeof EventCondition>;
export type Condition =
  TraitCondition | EventCondition | { and: Condition[] } | { or: Condition[] } | { not: Condition };

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union(
    [
      z.strictObject({ and: z.array(ConditionSchema).min(1).max(MAX_CONDITIONS) }),
      z.strictObject({ or: z.array(ConditionSchema).min(1).max(MAX_CONDITIONS) }),
      z.strictObject({ not: ConditionSchema }),
      EventCondition,
      TraitCondition,
    ],
    {
      error:
        'a condition is {"and":[..]}, {"or":[..]}, {"not":..}, a trait condition {"trait","op",..} or an event condition {"event","inLastDays",..}',
    },
  ),
) as z.ZodType<Condition>;

/** Every leaf of a condition tree, and the tree's depth. */
export function leaves(
  c: Condition,
  depth = 1,
): { traits: TraitCondition[]; events: EventCondition[]; depth: number } {
  if ('and' in c || 'or' in c) {
    const parts = ('and' in c ? c.and : c.or).map((x) => leaves(x, depth + 1));
    return {
      traits: parts.flatMap((p) => p.traits),
      events: parts.flatMap((p) => p.events),
      depth: Math.max(depth, ...parts.map((p) => p.depth)),
    };
  }
  if ('not' in c) return leaves(c.not, depth + 1);
  return 'event' in c ? { traits: [], events: [c], depth } : { traits: [c], events: [], depth };
}

/**
 * A segment: the users who meet `condition` at a moment. Membership is evaluated at each event's
 * time, so a trait change or new behaviour moves a user at their next event.
 */
export const SegmentSchema = z
  .strictObject({
    id: z
      .string({ error: 'id is required' })
      .regex(
        SEGMENT_ID,
        'id: lowercase letters, digits, - and _, at most 63, starting with a letter or digit',
      ),
    name: z.string().trim().min(1, 'name is empty').max(200).optional(),
    description: z.string().max(2000).optional(),
    condition: ConditionSchema,
  })
  .superRefine((s, ctx) => {
    const l = leaves(s.condition);
    if (l.depth > MAX_DEPTH)
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: `conditions nest at most ${MAX_DEPTH} deep`,
      });
    if (l.traits.length + l.events.length > MAX_CONDITIONS)
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: `at most ${MAX_CONDITIONS} conditions in a segment`,
      });
  });

export type SegmentDefinition = z.output<typeof SegmentSchema>;
