import { describe, expect, it } from 'vitest';
import { computeFunnel } from './funnel';
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
