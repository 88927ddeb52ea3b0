import { describe, expect, it } from 'vitest';
import { figuresOf, joinParts, sessionsOf, topOf, type SessionEvent } from './sessions';
import type { SessionPart } from '../views/session-parts';

const MIN = 60_000;
const ev = (actor: string, minute: number, path?: string): SessionEvent => ({
  actor,
  at: minute * MIN,
  page: path !== undefined,
  path: path ?? null,
  dim: '',
  dims: [],
});
const range = { from: 60 * MIN, to: 120 * MIN, timeoutMs: 30 * MIN };
/** A session part of one event (minutes), its page's path or none. */
const piece = (actor: string, start: number, end: number, path: string | null): SessionPart => ({
  actor,
  start: start * MIN,
  end: end * MIN,
  events: 1,
  pages: path ? 1 : 0,
  entryPath: path && JSON.stringify(path),
  exitPath: path && JSON.stringify(path),
  dims: [],
});

describe('sessions', () => {
  it('cuts at gaps longer than the timeout and keeps the sessions that start in the range, whole', async () => {
    const s = await sessionsOf(
      [
        // Under way at the range's start (began at 40, gaps under 30): not one of the range's.
        ev('a', 40, '/x'),
        ev('a', 65, '/y'),
        // A new one after a 31-minute gap, running past the range's end: counted whole.
        ev('a', 96, '/home'),
        ev('a', 110),
        ev('a', 130, '/cart'),
        // Starts before the range: not counted, even with a gap of exactly the timeout.
        ev('b', 50),
        ev('b', 80),
        // Starts in the range, one event: a bounce.
        ev('c', 119, '/landing'),
        // Starts at the range's end: the next range's.
        ev('d', 120, '/late'),
      ],
      range,
    );
    expect(
      s.map((x) => [x.actor, x.start / MIN, x.end / MIN, x.events, x.pages, x.entryPage, x.exitPage]),
    ).toEqual([
      ['a', 96, 130, 3, 2, '/home', '/cart'],
      ['c', 119, 119, 1, 1, '/landing', '/landing'],
    ]);
    expect(figuresOf(s)).toEqual({
      sessions: 2,
      bounces: 1,
      bounceRate: 0.5,
      averageDurationSeconds: (34 * 60) / 2,
      medianDurationSeconds: (34 * 60) / 2,
      pagesPerSession: 1.5,
    });
    expect(topOf(s, (x) => x.entryPage, 10)).toEqual([
      { page: '/home', sessions: 1 },
      { page: '/landing', sessions: 1 },
    ]);
  });

  it('orders events itself and takes the median of an odd count as the middle one', async () => {
    const s = await sessionsOf(
      [ev('a', 70), ev('b', 61), ev('a', 62), ev('b', 62), ev('c', 64), ev('c', 74)],
      range,
    );
    expect(s.map((x) => (x.end - x.start) / MIN).sort((x, y) => x - y)).toEqual([1, 8, 10]);
    expect(figuresOf(s).medianDurationSeconds).toBe(8 * 60);
    expect(figuresOf([])).toMatchObject({ sessions: 0, bounceRate: null, medianDurationSeconds: null });
  });

  it('joins the parts two layers cut when no more than the timeout lies across the split', () => {
    const part = (actor: string, start: number, end: number, entry: string | null, dim: string) => ({
      ...piece(actor, start, end, entry),
      events: 2,
      dims: [JSON.stringify(dim)],
    });
    const s = joinParts(
      [
        {
          layer: 'lake',
          rows: [
            part('a', 60, 80, '/in', 'mobile'),
            part('b', 61, 70, '/b', 'desktop'),
            part('c', 20, 59, '/c', 'x'),
          ],
        },
        {
          layer: 'speed',
          rows: [
            part('a', 105, 110, null, 'desktop'),
            part('b', 101, 102, '/late', 'tablet'),
            part('c', 70, 71, '/c2', 'y'),
          ],
        },
      ],
      { ...range, split: true },
    );
    expect(
      s.map((x) => [x.actor, x.start / MIN, x.end / MIN, x.events, x.entryPage, x.exitPage, x.dim]).sort(),
    ).toEqual([
      // 25 minutes across the split: one session, its start, entry and device from before.
      ['a', 60, 110, 4, '/in', '/in', 'mobile'],
      // 31 minutes: two.
      ['b', 101, 102, 2, '/late', '/late', 'tablet'],
      ['b', 61, 70, 2, '/b', '/b', 'desktop'],
      // c's session began before the range (at 20): joined, and not the range's.
    ]);
  });

  it('joins a session across several parts: hour runs read by two engines, then the speed view', () => {
    const part = piece;
    const s = joinParts(
      [
        { layer: 'lake', rows: [part('a', 61, 64, '/a'), part('b', 62, 62, '/b1')] },
        { layer: 'lake', rows: [part('a', 80, 85, null), part('b', 93, 94, '/b2')] },
        {
          layer: 'speed',
          rows: [part('a', 100, 101, '/z'), part('b', 95, 96, null), part('c', 70, 71, '/c')],
        },
        // c's first page had no path: the entry stays none, not the next piece's.
        { layer: 'lake', rows: [{ ...part('c', 60, 61, null), pages: 1 }] },
      ],
      { ...range, split: false },
    );
    expect(
      s.map((x) => [x.actor, x.start / MIN, x.end / MIN, x.events, x.pages, x.entryPage, x.exitPage]).sort(),
    ).toEqual([
      // Three pieces, each within the timeout of the last: one session.
      ['a', 61, 101, 3, 2, '/a', '/z'],
      // 31 minutes between the first two pieces: two sessions, the second across the split.
      ['b', 62, 62, 1, 1, '/b1', '/b1'],
      ['b', 93, 96, 2, 1, '/b2', '/b2'],
      ['c', 60, 71, 2, 2, null, '/c'],
    ]);
  });
});
