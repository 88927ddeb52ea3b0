import { eachInTurns } from '../../core/turns';
import type { StepRow } from '../views/raw-event-reader';

export interface FunnelStep {
  event: string;
  /** Actors who did every step up to this one, in order, within the window of their first step. */
  users: number;
  /** users / users of the first step. */
  conversionFromStart: number;
  /** users / users of the previous step (1 for the first step). */
  conversionFromPrevious: number;
  /** Actors of the previous step who did not go on to this one. */
  dropOff: number;
}

/** How steps must follow each other. */
export const FUNNEL_ORDERS = ['ordered', 'strict', 'any'] as const;
export type FunnelOrder = (typeof FUNNEL_ORDERS)[number];

/** One event a funnel reads: who, which, when, and the value it is broken down by (if any). */
export interface FunnelEvent {
  actor: string;
  event: string;
  at: number;
  group?: string;
}

/** How long converting took: the median and how many took up to each bound (seconds). */
export interface TimeToConvert {
  persons: number;
  medianSeconds: number | null;
  averageSeconds: number | null;
  /** Counts per bound: up to 1 min, 5 min, 15 min, 1 h, 6 h, 1 day, 1 week, more. */
  distribution: { upToSeconds: number | null; persons: number }[];
}

export interface FunnelResult {
  steps: FunnelStep[];
  /** One funnel per value of the breakdown, by the value at each actor's first step. */
  groups?: { group: string; steps: FunnelStep[] }[];
  timeToConvert: TimeToConvert;
  /** Actors left out because every chain of theirs met an excluded event. */
  excluded: number;
}

const BOUNDS = [60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400];

/**
 * A funnel over each actor's events:
 * - `ordered`: a chain of the steps' events in step order, each later than (or as late as) the
 *   one before, other events between allowed;
 * - `strict`: the same with no other event of the actor between two steps (rows then hold every
 *   event of the actors, not only the steps');
 * - `any`: the steps in any order, an actor reaching k when k different steps fall in the window.
 * A chain starts at any occurrence of the first step (any step, for `any`) and must end within
 * `windowMs` of its start; every start is tried and the actor counts by its best chain, the
 * earliest of the best: its start's group and, when complete, its time to convert. A chain that
 * meets an excluded event after its start and before its next step (before its deadline when no
 * next step follows) is dropped; an actor whose every chain is dropped is left out of the funnel.
 */
export async function analyzeFunnel(
  rows: Iterable<FunnelEvent>,
  o: { steps: readonly string[]; windowMs: number; order?: FunnelOrder; exclude?: readonly string[] },
): Promise<FunnelResult> {
  const { steps, windowMs, order = 'ordered', exclude = [] } = o;
  const byActor = new Map<string, FunnelEvent[]>();
  await eachInTurns(rows, (e) => {
    let list = byActor.get(e.actor);
    if (!list) byActor.set(e.actor, (list = []));
    list.push(e);
  });
  const reached = new Map<string, number[]>();
  const count = (group: string, depth: number) => {
    let r = reached.get(group);
    if (!r) reached.set(group, (r = new Array<number>(steps.length).fill(0)));
    for (let s = 0; s < depth; s++) r[s]!++;
  };
  const durations: number[] = [];
  let excluded = 0;
  await eachInTurns(byActor.values(), (events) => {
    const best = bestChain(events, { steps, windowMs, order, exclude: new Set(exclude) });
    if (best === 'excluded') excluded++;
    else if (best) {
      count(best.group ?? '', best.depth);
      if (best.depth === steps.length) durations.push(best.ms / 1000);
    }
  });
  const all = new Array<number>(steps.length).fill(0);
  for (const r of reached.values()) r.forEach((n, s) => (all[s]! += n));
  const grouped = rowsHaveGroups(byActor)
    ? [...reached]
        .sort(([a, x], [b, y]) => (y[0] ?? 0) - (x[0] ?? 0) || (a < b ? -1 : a > b ? 1 : 0))
        .map(([group, r]) => ({ group, steps: stepsOf(steps, r) }))
    : undefined;
  return {
    steps: stepsOf(steps, all),
    ...(grouped ? { groups: grouped } : {}),
    timeToConvert: timeToConvert(durations),
    excluded,
  };
}

/** The ordered funnel's steps (analyzeFunnel with no group, exclusion or other order). */
export async function computeFunnel(
  rows: readonly StepRow[],
  steps: readonly string[],
  windowMs: number,
): Promise<FunnelStep[]> {
  const events = rows.map(([actor, event, at]) => ({ actor, event, at }));
  return (await analyzeFunnel(events, { steps, windowMs })).steps;
}

function rowsHaveGroups(byActor: Map<string, FunnelEvent[]>): boolean {
  for (const events of byActor.values()) return events.some((e) => e.group !== undefined);
  return false;
}

/** Steps' users and conversions from how many actors reached each. */
export function stepsOf(steps: readonly string[], reached: number[]): FunnelStep[] {
  const first = reached[0] ?? 0;
  return steps.map((event, s) => {
    const users = reached[s] ?? 0;
    const previous = s === 0 ? users : (reached[s - 1] ?? 0);
    return {
      event,
      users,
      conversionFromStart: first === 0 ? 0 : users / first,
      conversionFromPrevious: previous === 0 ? 0 : users / previous,
      dropOff: previous - users,
    };
  });
}

function timeToConvert(seconds: number[]): TimeToConvert {
  const sorted = [...seconds].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? null : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const distribution = [...BOUNDS, null].map((upTo, i) => ({
    upToSeconds: upTo,
    persons: sorted.filter((x) => x > (i === 0 ? -1 : BOUNDS[i - 1]!) && (upTo === null || x <= upTo)).length,
  }));
  return {
    persons: n,
    medianSeconds: median,
    averageSeconds: n === 0 ? null : sorted.reduce((a, b) => a + b, 0) / n,
    distribution,
  };
}

/** An actor's best chain: its depth, its start's group, its length when complete. */
function bestChain(
  events: FunnelEvent[],
  o: { steps: readonly string[]; windowMs: number; order: FunnelOrder; exclude: Set<string> },
): { depth: number; group: string | undefined; ms: number } | 'excluded' | undefined {
  const { steps, windowMs, order, exclude } = o;
  // Same-time events keep a stable order by step position, so a tie can still progress.
  const position = new Map(steps.map((s, i) => [s, i] as const));
  const rank = (e: FunnelEvent) => position.get(e.event) ?? (exclude.has(e.event) ? -1 : steps.length);
  events.sort((a, b) => a.at - b.at || rank(a) - rank(b));
  const n = events.length;
  // Excluded events before each index, so "one between i and j" is a difference.
  const excludedBefore = new Int32Array(n + 1);
  for (let k = 0; k < n; k++)
    excludedBefore[k + 1] =
      excludedBefore[k]! + (exclude.has(events[k]!.event) && !position.has(events[k]!.event) ? 1 : 0);
  /** The first index whose event is later than t. */
  const after = (t: number) => {
    let [lo, hi] = [0, n];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.at > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const metExclusion = (i: number, j: number) => excludedBefore[j]! - excludedBefore[i + 1]! > 0;
  // next[s][i]: the first index at or after i whose event is step s (n if none): an ordered
  // chain takes the earliest next occurrence, which is optimal for its start.
  const next =
    order === 'ordered'
      ? steps.map((name) => {
          const idx = new Int32Array(n + 1).fill(n);
          for (let i = n - 1; i >= 0; i--) idx[i] = events[i]!.event === name ? i : idx[i + 1]!;
          return idx;
        })
      : undefined;
  let best: { depth: number; group: string | undefined; ms: number } | undefined;
  let started = false;
  for (let start = 0; start < n; start++) {
    const first = events[start]!;
    if (order === 'any' ? !position.has(first.event) : first.event !== steps[0]) continue;
    started = true;
    const deadline = first.at + windowMs;
    const chain = walk(events, start, { steps, order, deadline, position, next });
    // The chain's indices: each step's event; an excluded event between two, or after the last
    // before the deadline when the chain is not complete, drops it.
    let dropped = false;
    for (let k = 0; k < chain.length && !dropped; k++) {
      const next = chain[k + 1];
      if (next !== undefined) dropped = metExclusion(chain[k]!, next);
      else if (chain.length < steps.length) dropped = metExclusion(chain[k]!, after(deadline));
    }
    if (dropped) continue;
    const depth = chain.length;
    if (!best || depth > best.depth)
      best = { depth, group: first.group, ms: events[chain[chain.length - 1]!]!.at - first.at };
    if (best.depth === steps.length) break;
  }
  return best ?? (started ? 'excluded' : undefined);
}

/** The indices of the steps a chain from `start` reaches before its deadline, in the order's sense. */
function walk(
  events: FunnelEvent[],
  start: number,
  o: {
    steps: readonly string[];
    order: FunnelOrder;
    deadline: number;
    position: Map<string, number>;
    next: Int32Array[] | undefined;
  },
): number[] {
  const { steps, order, deadline, position, next } = o;
  const chain = [start];
  if (next) {
    for (let at = start; chain.length < steps.length;) {
      const i = next[chain.length]![at + 1]!;
      if (i >= events.length || events[i]!.at > deadline) break;
      chain.push((at = i));
    }
    return chain;
  }
  if (order === 'any') {
    const seen = new Set([events[start]!.event]);
    for (let k = start + 1; k < events.length && seen.size < steps.length; k++) {
      const e = events[k]!;
      if (e.at > deadline) break;
      if (position.has(e.event) && !seen.has(e.event)) {
        seen.add(e.event);
        chain.push(k);
      }
    }
    return chain;
  }
  let at = start;
  for (let k = start + 1; k < events.length && chain.length < steps.length; k++) {
    const e = events[k]!;
    if (e.at > deadline) break;
    if (e.event === steps[chain.length]) {
      chain.push(k);
      at = k;
    } else if (order === 'strict' && k === at + 1) break;
  }
  return chain;
}
