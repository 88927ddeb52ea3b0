import { describe, expect, it } from 'vitest';
import { compileFilter, EventFilterSchema, type EventFilter } from './event-filter';
import { parsePropertyRef, refName } from './property-ref';

/** Tests a filter over one row, given as property name -> value. */
const holds = (f: EventFilter, row: Record<string, unknown>) => {
  const c = compileFilter(EventFilterSchema.parse(f));
  return c.matches(c.refs.map((r) => row[refName(r)]));
};

describe('event filters', () => {
  it('names properties as queries do: event dimensions, property.<name>, person.<trait>', () => {
    expect(parsePropertyRef('country')).toEqual({ kind: 'dimension', name: 'country' });
    expect(parsePropertyRef('property.address.city')).toEqual({ kind: 'event', path: ['address', 'city'] });
    expect(parsePropertyRef('person.plan')).toEqual({ kind: 'person', trait: 'plan' });
    expect(parsePropertyRef('planet')).toMatchObject({
      error: expect.stringMatching(/'planet' is not an event dimension/),
    });
    expect(parsePropertyRef('property.')).toMatchObject({
      error: expect.stringMatching(/names no property/),
    });
  });

  it('compares text, numbers, sets and presence as stated', () => {
    const row = {
      'person.plan': 'pro',
      'property.amount': 42,
      country: 'FR',
      'property.path': '/Pricing/teams',
    };
    expect(holds({ property: 'person.plan', op: 'equals', value: 'pro' }, row)).toBe(true);
    expect(holds({ property: 'person.plan', op: 'not_equals', value: 'pro' }, row)).toBe(false);
    // Absent is not equal to anything: not_equals keeps it, equals does not.
    expect(holds({ property: 'person.tier', op: 'not_equals', value: 'pro' }, row)).toBe(true);
    expect(holds({ property: 'property.amount', op: 'equals', value: '42' }, row)).toBe(true);
    expect(holds({ property: 'country', op: 'in', values: ['DE', 'FR'] }, row)).toBe(true);
    expect(holds({ property: 'country', op: 'not_in', values: ['DE', 'FR'] }, row)).toBe(false);
    expect(holds({ property: 'property.path', op: 'contains', value: 'pricing' }, row)).toBe(true);
    expect(holds({ property: 'property.path', op: 'not_contains', value: 'PRICING' }, row)).toBe(false);
    expect(holds({ property: 'property.path', op: 'regex', value: '^/Pricing/(teams|solo)$' }, row)).toBe(
      true,
    );
    expect(holds({ property: 'property.amount', op: 'gt', value: 41.5 }, row)).toBe(true);
    expect(holds({ property: 'property.amount', op: 'lte', value: 41 }, row)).toBe(false);
    // Numeric comparisons hold for numbers only, not for text that looks like one.
    expect(holds({ property: 'country', op: 'gte', value: 0 }, row)).toBe(false);
    expect(holds({ property: 'property.amount', op: 'set' }, row)).toBe(true);
    expect(holds({ property: 'property.coupon', op: 'not_set' }, row)).toBe(true);
    expect(holds({ property: 'property.coupon', op: 'not_set' }, { 'property.coupon': null })).toBe(true);
  });

  it('joins conditions by and, or and not', () => {
    const f: EventFilter = {
      and: [
        {
          or: [
            { property: 'country', op: 'equals', value: 'FR' },
            { property: 'person.plan', op: 'equals', value: 'pro' },
          ],
        },
        { not: { property: 'property.amount', op: 'lt', value: 10 } },
      ],
    };
    expect(holds(f, { country: 'FR', 'property.amount': 10 })).toBe(true);
    expect(holds(f, { country: 'DE', 'person.plan': 'pro', 'property.amount': 50 })).toBe(true);
    expect(holds(f, { country: 'DE', 'person.plan': 'free', 'property.amount': 50 })).toBe(false);
    expect(holds(f, { country: 'FR', 'property.amount': 9 })).toBe(false);
  });

  it('refuses what it cannot answer safely, saying why', () => {
    const refused = (f: unknown) => () => compileFilter(EventFilterSchema.parse(f));
    expect(refused({ property: 'planet', op: 'equals', value: 1 })).toThrow(
      /'planet' is not an event dimension/,
    );
    expect(refused({ property: 'property.x', op: 'regex', value: '(a+)+$' })).toThrow(/exponential time/);
    expect(refused({ property: 'property.x', op: 'regex', value: '(a|aa)*' })).toThrow(/exponential time/);
    expect(refused({ property: 'property.x', op: 'regex', value: '(a)\\1' })).toThrow(/back-reference/);
    expect(refused({ property: 'property.x', op: 'regex', value: '([' })).toThrow(/not a valid pattern/);
    let deep: unknown = { property: 'country', op: 'set' };
    for (let i = 0; i < 6; i++) deep = { not: deep };
    expect(refused(deep)).toThrow(/nested deeper/);
    expect(EventFilterSchema.safeParse({ property: 'country', op: 'between' }).success).toBe(false);
  });
});
