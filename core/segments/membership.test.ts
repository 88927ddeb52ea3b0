import { describe, expect, it } from 'vitest';
import { SegmentSchema, type EventCondition } from './definition';
import { lookbackMs, Membership, traitHolds } from './membership';

const DAY = 86_400_000;

describe('segment membership', () => {
  it('takes the latest value of each trait at each moment, merging calls', () => {
    const m = new Membership(
      { trait: 'plan', op: 'equals', value: 'pro' },
      [
        { actor: 'a', at: 10, tie: '1', traits: { plan: 'free', country: 'FR' } },
        { actor: 'a', at: 20, tie: '2', traits: { plan: 'pro' } },
        { actor: 'a', at: 30, tie: '3', traits: { plan: null } },
      ],
      new Map(),
    );
    expect([5, 10, 19, 20, 29, 30].map((t) => m.isMember('a', t))).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(m.traitsAt('a', 25)).toEqual({ plan: 'pro', country: 'FR' });
    expect(m.traitsAt('b', 25)).toEqual({});
  });

  it('orders traits sent at the same millisecond by their event id', () => {
    const rows = [
      { actor: 'a', at: 10, tie: 'b', traits: { plan: 'pro' } },
      { actor: 'a', at: 10, tie: 'a', traits: { plan: 'free' } },
    ];
    const m = new Membership({ trait: 'plan', op: 'equals', value: 'pro' }, rows, new Map());
    expect(m.isMember('a', 10)).toBe(true);
    expect(
      new Membership({ trait: 'plan', op: 'equals', value: 'pro' }, rows.reverse(), new Map()).isMember(
        'a',
        10,
      ),
    ).toBe(true);
  });

  it('counts behaviour in the last D days, up to and including the moment', () => {
    const c: EventCondition = { event: 'purchase', atLeast: 2, inLastDays: 1 };
    const m = new Membership(
      { and: [c, { not: { trait: 'country', op: 'in', values: ['FR'] } }] },
      [],
      new Map([
        [
          c,
          [
            { actor: 'a', at: 0 },
            { actor: 'a', at: DAY / 2 },
          ],
        ],
      ]),
    );
    expect(m.isMember('a', DAY / 2 - 1)).toBe(false);
    expect(m.isMember('a', DAY / 2)).toBe(true);
    expect(m.isMember('a', DAY - 1)).toBe(true);
    // The first purchase ages out: (t - 1 day, t] no longer holds it.
    expect(m.isMember('a', DAY)).toBe(false);
    expect(lookbackMs(m.condition)).toBe(DAY);
  });

  it('compares trait values by each operator', () => {
    expect(traitHolds({ trait: 't', op: 'equals', value: 3 }, '3')).toBe(true);
    expect(traitHolds({ trait: 't', op: 'in', values: ['a', 'b'] }, 'b')).toBe(true);
    expect(traitHolds({ trait: 't', op: 'contains', value: '@corp' }, 'x@corp.com')).toBe(true);
    expect(traitHolds({ trait: 't', op: 'contains', value: 'vip' }, ['new', 'vip'])).toBe(true);
    expect(traitHolds({ trait: 't', op: 'between', min: 18, max: 25 }, 25)).toBe(true);
    expect(traitHolds({ trait: 't', op: 'between', min: 18, max: 25 }, '17')).toBe(false);
    expect(traitHolds({ trait: 't', op: 'between', min: 18 }, 'old')).toBe(false);
    expect(traitHolds({ trait: 't', op: 'set' }, 0)).toBe(true);
    expect(traitHolds({ trait: 't', op: 'not_set' }, null)).toBe(true);
    expect(traitHolds({ trait: 't', op: 'equals', value: 'x' }, { nested: 1 })).toBe(false);
  });

  it('refuses definitions with a message naming the mistake', () => {
    const problem = (body: unknown) => {
      const r = SegmentSchema.safeParse(body);
      return r.success ? 'ok' : r.error.issues.map((i) => i.message).join('; ');
    };
    expect(problem({ id: 's', condition: { trait: 'plan', op: 'equals', value: 'pro' } })).toBe('ok');
    expect(problem({ id: 'S!', condition: { trait: 'plan', op: 'set' } })).toMatch(/lowercase/);
    expect(problem({ id: 's', condition: { trait: 'age', op: 'between' } })).not.toBe('ok');
    expect(problem({ id: 's', condition: { event: 'purchase', inLastDays: 9999 } })).not.toBe('ok');
    let deep: unknown = { trait: 'plan', op: 'set' };
    for (let i = 0; i < 8; i++) deep = { not: deep };
    expect(problem({ id: 's', condition: deep })).toMatch(/nest at most/);
  });
});
