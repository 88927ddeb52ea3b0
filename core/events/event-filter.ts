import { z } from 'zod';
import { parsePropertyRef, refName, type PropertyRef } from './property-ref';

const MAX_DEPTH = 5;
const MAX_CONDITIONS = 30;
const MAX_PATTERN = 200;

const scalar = z.union([z.string().max(2000), z.number(), z.boolean()]);
const property = z.string().trim().min(1, 'property is empty').max(200);

/**
 * A condition on one property of an event (an event dimension, `property.<name>` or
 * `person.<trait>`): text comparisons on its text (a number's digits), numeric ones on numbers
 * only, `contains` ignoring case, `regex` on its text, `set` when it has a value (not null).
 */
const PropertyCondition = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ property, op: z.literal('equals'), value: scalar }),
    z.strictObject({ property, op: z.literal('not_equals'), value: scalar }),
    z.strictObject({ property, op: z.literal('in'), values: z.array(scalar).min(1).max(1000) }),
    z.strictObject({ property, op: z.literal('not_in'), values: z.array(scalar).min(1).max(1000) }),
    z.strictObject({ property, op: z.literal('contains'), value: z.string().min(1).max(2000) }),
    z.strictObject({ property, op: z.literal('not_contains'), value: z.string().min(1).max(2000) }),
    z.strictObject({ property, op: z.literal('regex'), value: z.string().min(1).max(MAX_PATTERN) }),
    z.strictObject({ property, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: z.number() }),
    z.strictObject({ property, op: z.literal('set') }),
    z.strictObject({ property, op: z.literal('not_set') }),
  ],
  {
    error:
      'a property condition is {"property":..,"op":"equals|not_equals|in|not_in|contains|not_contains|regex|gt|gte|lt|lte|set|not_set",...}',
  },
);

export type PropertyCondition = z.output<typeof PropertyCondition>;
export type EventFilter =
  PropertyCondition | { and: EventFilter[] } | { or: EventFilter[] } | { not: EventFilter };

export const EventFilterSchema: z.ZodType<EventFilter> = z.lazy(() =>
  z.union(
    [
      z.strictObject({ and: z.array(EventFilterSchema).min(1).max(MAX_CONDITIONS) }),
      z.strictObject({ or: z.array(EventFilterSchema).min(1).max(MAX_CONDITIONS) }),
      z.strictObject({ not: EventFilterSchema }),
      PropertyCondition,
    ],
    {
      error: 'a filter is {"and":[..]}, {"or":[..]}, {"not":..} or a property condition {"property","op",..}',
    },
  ),
) as z.ZodType<EventFilter>;

/** A filter ready to test rows: the properties it reads, and the test over their values in that order. */
export interface CompiledFilter {
  refs: PropertyRef[];
  matches(values: readonly unknown[]): boolean;
}

/**
 * Checks a filter (properties named as queries name them, depth and size bounded, patterns that
 * cannot take exponential time) and compiles it; throws an Error whose message says what to
 * change.
 */
export function compileFilter(filter: EventFilter): CompiledFilter {
  const refs: PropertyRef[] = [];
  const index = new Map<string, number>();
  let conditions = 0;
  const slot = (text: string): number => {
    const ref = parsePropertyRef(text);
    if ('error' in ref) throw new Error(`filter: ${ref.error}`);
    const name = refName(ref);
    let i = index.get(name);
    if (i === undefined) {
      index.set(name, (i = refs.length));
      refs.push(ref);
    }
    return i;
  };
  const build = (f: EventFilter, depth: number): ((v: readonly unknown[]) => boolean) => {
    if (depth > MAX_DEPTH) throw new Error(`filter: nested deeper than ${MAX_DEPTH} levels`);
    if ('and' in f) {
      const parts = f.and.map((x) => build(x, depth + 1));
      return (v) => parts.every((p) => p(v));
    }
    if ('or' in f) {
      const parts = f.or.map((x) => build(x, depth + 1));
      return (v) => parts.some((p) => p(v));
    }
    if ('not' in f) {
      const inner = build(f.not, depth + 1);
      return (v) => !inner(v);
    }
    if (++conditions > MAX_CONDITIONS) throw new Error(`filter: more than ${MAX_CONDITIONS} conditions`);
    const i = slot(f.property);
    const test = conditionTest(f);
    return (v) => test(v[i]);
  };
  const matches = build(filter, 1);
  return { refs, matches };
}

/** A value as the text text comparisons read (strings as they are, numbers and booleans written out). */
function textOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function conditionTest(c: PropertyCondition): (v: unknown) => boolean {
  switch (c.op) {
    case 'equals':
      return (v) => textOf(v) === String(c.value);
    case 'not_equals':
      return (v) => textOf(v) !== String(c.value);
    case 'in': {
      const values = new Set(c.values.map(String));
      return (v) => values.has(textOf(v) ?? '\u0000');
    }
    case 'not_in': {
      const values = new Set(c.values.map(String));
      return (v) => !values.has(textOf(v) ?? '\u0000');
    }
    case 'contains': {
      const needle = c.value.toLowerCase();
      return (v) => textOf(v)?.toLowerCase().includes(needle) ?? false;
    }
    case 'not_contains': {
      const needle = c.value.toLowerCase();
      return (v) => !(textOf(v)?.toLowerCase().includes(needle) ?? false);
    }
    case 'regex': {
      const re = safePattern(c.value);
      return (v) => {
        const t = textOf(v);
        return t !== undefined && re.test(t);
      };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const x = c.value;
      const cmp = {
        gt: (n: number) => n > x,
        gte: (n: number) => n >= x,
        lt: (n: number) => n < x,
        lte: (n: number) => n <= x,
      }[c.op];
      return (v) => typeof v === 'number' && cmp(v);
    }
    case 'set':
      return (v) => v !== undefined && v !== null;
    case 'not_set':
      return (v) => v === undefined || v === null;
  }
}

/**
 * A pattern compiled once, refused when it could take exponential time on some text (a repeated
 * group that repeats or branches inside it, a back-reference): the test runs on every row read.
 */
function safePattern(pattern: string): RegExp {
  // Escapes and character classes cannot nest: strip them before looking at groups.
  const shape = pattern.replace(/\\./g, 'x').replace(/\[[^\]]*\]/g, 'x');
  if (/\\[1-9]|\\k</.test(pattern))
    throw new Error(`filter: regex '${pattern}' uses a back-reference: not allowed`);
  if (/\([^()]*[*+?}|][^()]*\)\s*[*+?{]/.test(shape) || /\)[^()]*\)\s*[*+?{]/.test(shape))
    throw new Error(
      `filter: regex '${pattern}' repeats a group that repeats or branches inside: it could take exponential time; write it without nesting`,
    );
  try {
    return new RegExp(pattern, 'u');
  } catch (e) {
    throw new Error(`filter: regex '${pattern}' is not a valid pattern (${(e as Error).message})`, {
      cause: e,
    });
  }
}
