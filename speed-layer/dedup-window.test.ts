import { describe, expect, it } from 'vitest';
import { DedupWindow } from './dedup-window';

describe('DedupWindow', () => {
  it('drops a later copy within the window, keeps one beyond it', () => {
    const w = new DedupWindow(60_000);
    expect(w.isDuplicate('p:m1', 0, 1n)).toBe(false);
    expect(w.isDuplicate('p:m1', 30_000, 2n)).toBe(true);
    expect(w.isDuplicate('p:m1', 61_000, 3n)).toBe(false);
  });

  it('decides the same way when a range is replayed (same offsets)', () => {
    const w = new DedupWindow(60_000);
    const run = () => [
      w.isDuplicate('p:a', 0, 10n),
      w.isDuplicate('p:b', 1, 11n),
      w.isDuplicate('p:a', 2, 12n),
    ];
    expect(run()).toEqual([false, false, true]);
    // The same messages again (a retry of offsets 10-12): none is a duplicate of itself.
    expect(run()).toEqual([false, false, true]);
  });

  it('seeds from what was already written', () => {
    const w = new DedupWindow(60_000);
    w.seed([{ key: 'p:a', receivedAt: 0, offset: 5n }]);
    expect(w.isDuplicate('p:a', 10, 20n)).toBe(true);
    expect(w.isDuplicate('q:a', 10, 21n)).toBe(false);
  });
});
