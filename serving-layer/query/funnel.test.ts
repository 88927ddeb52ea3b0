import { describe, expect, it } from 'vitest';
import { analyzeFunnel, computeFunnel, type FunnelEvent } from './funnel';
import type { StepRow } from '../views/raw-event-reader';

const steps = ['view', 'cart', 'buy'];
const MIN = 60_000;

describe('computeFunnel', () => {
  it('counts ordered steps within the window, per actor', async () => {
    const rows: StepRow[] = [
      ['a', 'view', 0],
      ['a', 'cart', 1 * MIN],
      ['a', 'buy', 2 * MIN], // a completes
      ['b', 'cart', 0], // out of order: cart before view does not count
      ['b', 'view', 1 * MIN],
      ['c', 'view', 0],
      ['c', 'cart', 5 * MIN],
      ['c', 'buy', 61 * MIN], // outside c's 60 min window
      ['d', 'buy', 0], // never viewed
    ];
    const f = await computeFunnel(rows, steps, 60 * MIN);
    expect(f.map((s) => s.users)).toEqual([3, 2, 1]);
    expect(f.map((s) => s.dropOff)).toEqual([0, 1, 1]);
    expect(f[2]?.conversionFromStart).toBeCloseTo(1 / 3);
    expect(f[2]?.conversionFromPrevious).toBeCloseTo(1 / 2);
  });

  it('tries every start: a later first step can open a chain that fits the window', async () => {
    const rows: StepRow[] = [
      ['a', 'view', 0],
      ['a', 'view', 100 * MIN],
      ['a', 'cart', 110 * MIN],
      ['a', 'buy', 120 * MIN],
    ];
    expect((await computeFunnel(rows, steps, 60 * MIN)).map((s) => s.users)).toEqual([1, 1, 1]);
  });

  it('needs a distinct event per step when steps repeat a name', async () => {
    const once: StepRow[] = [['a', 'page', 0]];
    const twice: StepRow[] = [...once, ['a', 'page', MIN]];
    expect((await computeFunnel(once, ['page', 'page'], 60 * MIN)).map((s) => s.users)).toEqual([1, 0]);
    expect((await computeFunnel(twice, ['page', 'page'], 60 * MIN)).map((s) => s.users)).toEqual([1, 1]);
  });

  it('agrees with a brute-force search on random histories', async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const rows: StepRow[] = [];
      for (let i = 0; i < 8; i++)
        rows.push(['a', steps[Math.floor(rand() * 3)]!, Math.floor(rand() * 10) * MIN]);
      const window = (1 + Math.floor(rand() * 6)) * MIN;
      const got = (await computeFunnel(rows, steps, window)).filter((s) => s.users > 0).length;
      expect(got, JSON.stringify({ rows, window })).toBe(bruteForce(rows, window));
    }
  });
});

describe('analyzeFunnel', () => {
  const ev = (actor: string, event: string, minute: number, group?: string): FunnelEvent => ({
    actor,
    event,
    at: minute * MIN,
    ...(group !== undefined ? { group } : {}),
  });
  const users = (r: { steps: { users: number }[] }) => r.steps.map((x) => x.users);

  it('drops a chain that meets an excluded event between two steps; an actor with no other is left out', async () => {
    const rows = [
      ...[ev('a', 'view', 0), ev('a', 'refund', 1), ev('a', 'cart', 2), ev('a', 'buy', 3)], // excluded
      ...[ev('b', 'view', 0), ev('b', 'cart', 1), ev('b', 'buy', 2), ev('b', 'refund', 9)], // after: kept
      ...[ev('c', 'view', 0), ev('c', 'refund', 1), ev('c', 'view', 10), ev('c', 'cart', 11)], // 2nd chain
      ...[ev('d', 'view', 0), ev('d', 'refund', 5)], // stalled, then excluded before its deadline
    ];
    const r = await analyzeFunnel(rows, { steps, windowMs: 60 * MIN, exclude: ['refund'] });
    expect(users(r)).toEqual([2, 2, 1]);
    expect(r.excluded).toBe(2);
    expect(users(await analyzeFunnel(rows, { steps, windowMs: 60 * MIN }))).toEqual([4, 3, 2]);
  });

  it('breaks down by the value at the first step of each actor’s best chain', async () => {
    const rows = [
      ...[ev('a', 'view', 0, 'FR'), ev('a', 'cart', 1, 'GB'), ev('a', 'buy', 2, 'GB')],
      ...[ev('b', 'view', 0, 'GB'), ev('b', 'view', 100, 'FR'), ev('b', 'cart', 101, 'FR')],
      ev('c', 'view', 0, 'GB'),
    ];
    const r = await analyzeFunnel(rows, { steps, windowMs: 60 * MIN });
    expect(r.groups?.map((g) => [g.group, g.steps.map((x) => x.users)])).toEqual([
      ['FR', [2, 2, 1]],
      ['GB', [1, 0, 0]],
    ]);
    expect(users(r)).toEqual([3, 2, 1]);
  });

  it('strict order: no other event between steps; any order: steps in whatever order', async () => {
    const rows = [
      ...[ev('a', 'view', 0), ev('a', 'scroll', 1), ev('a', 'cart', 2), ev('a', 'buy', 3)],
      ...[ev('b', 'view', 0), ev('b', 'cart', 1), ev('b', 'scroll', 2), ev('b', 'buy', 3)],
      ...[ev('c', 'buy', 0), ev('c', 'cart', 1), ev('c', 'view', 2)],
    ];
    expect(users(await analyzeFunnel(rows, { steps, windowMs: 60 * MIN }))).toEqual([3, 2, 2]);
    expect(users(await analyzeFunnel(rows, { steps, windowMs: 60 * MIN, order: 'strict' }))).toEqual([
      3, 1, 0,
    ]);
    expect(users(await analyzeFunnel(rows, { steps, windowMs: 60 * MIN, order: 'any' }))).toEqual([3, 3, 3]);
  });

  it('states the time to convert: median, average and distribution of the complete chains', async () => {
    const rows = [
      ...[ev('a', 'view', 0), ev('a', 'cart', 1), ev('a', 'buy', 2)],
      ...[ev('b', 'view', 0), ev('b', 'cart', 10), ev('b', 'buy', 30)],
      ...[ev('c', 'view', 0), ev('c', 'cart', 1), ev('c', 'buy', 240)],
      ...[ev('d', 'view', 0), ev('d', 'cart', 1)],
    ];
    const t = (await analyzeFunnel(rows, { steps, windowMs: 300 * MIN })).timeToConvert;
    expect(t).toMatchObject({ persons: 3, medianSeconds: 1800, averageSeconds: (120 + 1800 + 14400) / 3 });
    expect(t.distribution.filter((d) => d.persons > 0)).toEqual([
      { upToSeconds: 300, persons: 1 },
      { upToSeconds: 3600, persons: 1 },
      { upToSeconds: 6 * 3600, persons: 1 },
    ]);
  });
});

/** Every ordered subsequence of the events: the longest step prefix that fits the window. */
function bruteForce(rows: StepRow[], windowMs: number): number {
  const events = [...rows].sort((a, b) => a[2] - b[2] || steps.indexOf(a[1]) - steps.indexOf(b[1]));
  let best = 0;
  const walk = (from: number, depth: number, start: number) => {
    best = Math.max(best, depth);
    if (depth === steps.length) return;
    for (let i = from; i < events.length; i++) {
      const [, event, at] = events[i]!;
      if (event === steps[depth] && (depth === 0 || at <= start + windowMs))
        walk(i + 1, depth + 1, depth === 0 ? at : start);
    }
  };
  walk(0, 0, 0);
  return best;
}
