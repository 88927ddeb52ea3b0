import { describe, expect, it } from 'vitest';
import { hllRegister } from '../../core/sketches/hll';
import { OTHER_GROUP, topGroups, type GroupCell } from './top-groups';

const regsOf = (ids: string[]) => {
  const regs = new Map<number, number>();
  for (const id of ids) {
    const { reg, rank } = hllRegister(id);
    regs.set(reg, Math.max(regs.get(reg) ?? 0, rank));
  }
  return regs;
};

describe('top groups', () => {
  it('keeps the largest groups over the range and folds the rest into (other), per bucket', () => {
    const cells: GroupCell[] = [
      { start: 0, dim: 'a', value: 5 },
      { start: 0, dim: 'b', value: 7 },
      { start: 0, dim: 'c', value: 1 },
      { start: 1, dim: 'a', value: 5 },
      { start: 1, dim: 'd', value: 2 },
    ];
    const { cells: out, groups } = topGroups(cells, 2);
    expect(groups).toEqual([
      { dim: 'a', value: 10 },
      { dim: 'b', value: 7 },
      { dim: OTHER_GROUP, value: 3 },
    ]);
    expect(out.map((c) => [c.start, c.dim, c.value])).toEqual([
      [0, 'a', 5],
      [0, 'b', 7],
      [0, OTHER_GROUP, 1],
      [1, 'a', 5],
      [1, OTHER_GROUP, 2],
    ]);
    // Nothing to fold: no (other).
    expect(topGroups(cells, 4).groups.map((g) => g.dim)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('ranks unique counts by their persons over the whole range, each person once', () => {
    const many = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const cells: GroupCell[] = [
      // x: the same 50 persons in two buckets (50, not 100); y: 60 different ones in one.
      { start: 0, dim: 'x', value: 0, regs: regsOf(many) },
      { start: 1, dim: 'x', value: 0, regs: regsOf(many) },
      { start: 0, dim: 'y', value: 0, regs: regsOf(Array.from({ length: 60 }, (_, i) => `q${i}`)) },
      { start: 1, dim: 'z', value: 0, regs: regsOf(['p1', 'r1']) },
    ];
    const { groups, cells: out } = topGroups(cells, 1);
    expect(groups.map((g) => g.dim)).toEqual(['y', OTHER_GROUP]);
    // x and z folded: p1 is in both, counted once.
    expect(groups[1]!.value).toBe(51);
    expect(out.filter((c) => c.dim === OTHER_GROUP)).toHaveLength(2);
  });
});
