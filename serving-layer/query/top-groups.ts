import { hllEstimate, hllMerge } from '../../core/sketches/hll';

/** One bucket of one group of a split answer: a value, or a unique count's registers. */
export interface GroupCell {
  start: number;
  dim: string;
  value: number;
  regs?: Map<number, number>;
}

/** The group the groups beyond a limit are folded into. */
export const OTHER_GROUP = '(other)';

/**
 * The largest `limit` groups of a split answer, by their value over the whole range (the sum of
 * their buckets for counts and sums; for unique counts, the estimate of their registers merged
 * over every bucket, so a person in many buckets counts once), ties by name; every other group's
 * cells folded into one group per bucket, `(other)` (values added, registers merged). `groups`
 * states the order: the groups kept, largest first, then `(other)` when anything was folded.
 */
export function topGroups(
  cells: Iterable<GroupCell>,
  limit: number,
): { cells: GroupCell[]; groups: { dim: string; value: number }[] } {
  const all = [...cells];
  const totals = new Map<string, { value: number; regs?: Map<number, number> }>();
  for (const c of all) {
    let t = totals.get(c.dim);
    if (!t) totals.set(c.dim, (t = { value: 0, ...(c.regs ? { regs: new Map() } : {}) }));
    if (c.regs && t.regs) hllMerge(t.regs, c.regs);
    else t.value += c.value;
  }
  const valueOf = (t: { value: number; regs?: Map<number, number> }) =>
    t.regs ? Math.round(hllEstimate(t.regs)) : t.value;
  const ranked = [...totals]
    .map(([dim, t]) => ({ dim, value: valueOf(t) }))
    .sort((a, b) => b.value - a.value || (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0));
  const kept = new Set(ranked.slice(0, limit).map((g) => g.dim));
  if (kept.size === ranked.length) return { cells: all, groups: ranked };
  const out: GroupCell[] = [];
  const other = new Map<number, GroupCell>();
  const otherTotal: { value: number; regs?: Map<number, number> } = { value: 0 };
  for (const c of all) {
    if (kept.has(c.dim)) {
      out.push(c);
      continue;
    }
    let o = other.get(c.start);
    if (!o) {
      other.set(
        c.start,
        (o = { start: c.start, dim: OTHER_GROUP, value: 0, ...(c.regs ? { regs: new Map() } : {}) }),
      );
      out.push(o);
    }
    if (c.regs && o.regs) {
      hllMerge(o.regs, c.regs);
      hllMerge((otherTotal.regs ??= new Map()), c.regs);
    } else {
      o.value += c.value;
      otherTotal.value += c.value;
    }
  }
  return {
    cells: out,
    groups: [...ranked.filter((g) => kept.has(g.dim)), { dim: OTHER_GROUP, value: valueOf(otherTotal) }],
  };
}
