import { z } from 'zod';
import { compileFilter, EventFilterSchema } from '../events/event-filter';
import { parsePropertyRef } from '../events/property-ref';

export const INSIGHT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** What a defined metric measures over the events it keeps. */
export const MEASURES = ['count', 'unique_persons', 'sum', 'average', 'min', 'max'] as const;
export type Measure = (typeof MEASURES)[number];

const propertyName = z.string().trim().min(1).max(200);

/**
 * A metric defined without code: which events (by name; every event when absent), what is
 * measured over them (how many, how many persons, or the sum, average, minimum or maximum of a
 * numeric property), which of them count (a filter on dimensions, properties and person traits),
 * and optionally what the answer is split by. Stored per project in PostgreSQL; asked like a
 * catalog metric, merged across the layers at the watermark.
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
    events: z.array(z.string().trim().min(1).max(200)).min(1).max(50).optional(),
    measure: z.discriminatedUnion(
      'kind',
      [
        z.strictObject({ kind: z.literal('count') }),
        z.strictObject({ kind: z.literal('unique_persons') }),
        z.strictObject({ kind: z.enum(['sum', 'average', 'min', 'max']), property: propertyName }),
      ],
      {
        error:
          'measure is {"kind":"count"}, {"kind":"unique_persons"} or {"kind":"sum|average|min|max","property":"property.<name>"}',
      },
    ),
    filters: EventFilterSchema.optional(),
    groupBy: propertyName.optional(),
  })
  .superRefine((d, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if ('property' in d.measure) {
      const ref = parsePropertyRef(d.measure.property);
      if ('error' in ref) problem('measure', ref.error);
    }
    if (d.groupBy !== undefined) {
      const ref = parsePropertyRef(d.groupBy);
      if ('error' in ref) problem('groupBy', ref.error);
    }
    if (d.filters) {
      try {
        compileFilter(d.filters);
      } catch (e) {
        problem('filters', (e as Error).message);
      }
    }
  });

export type InsightDefinition = z.output<typeof InsightSchema>;
