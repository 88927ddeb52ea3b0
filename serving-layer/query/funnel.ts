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

/**
 * An ordered funnel: for each actor, the furthest step reached by a chain of events in step order,
 * each later than the one before, all within `windowMs` of the chain's first step; every start
 * (each occurrence of the first step) is tried and the best chain counts. Taking the earliest next
 * occurrence of each step is optimal for a given start, so per actor the work is
 * O(events x steps).
 */
export async function computeFunnel(
  rows: readonly StepRow[],
  steps: readonly string[],
  windowMs: number,
): Promise<FunnelStep[]> {
  const byActor = new Map<string, { event: string; at: number }[]>();
  await eachInTurns(rows, ([actor, event, at]) => {
    let list = byActor.get(actor);
    if (!list) byActor.set(actor, (list = []));
    list.push({ event, at });
  });
  const reached = new Array<number>(steps.length).fill(0);
  await eachInTurns(byActor.values(), (events) => {
    const depth = furthestStep(events, steps, windowMs);
    for (let s = 0; s < depth; s++) reached[s] = (reached[s] ?? 0) + 1;
  });
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

function furthestStep(
  events: { event: string; at: number }[],
  steps: readonly string[],
  windowMs: number,
): number {
  // Same-time events keep a stable order by step position, so a tie can still progress.
  const order = new Map(steps.map((s, i) => [s, i] as const));
  events.sort((a, b) => a.at - b.at || (order.get(a.event) ?? 0) - (order.get(b.event) ?? 0));
  const n = events.length;
  // next[s][i]: index of the first event at or after i that is step s (n if none).
  const next = steps.map((name) => {
    const idx = new Int32Array(n + 1).fill(n);
    for (let i = n - 1; i >= 0; i--) idx[i] = events[i]!.event === name ? i : idx[i + 1]!;
    return idx;
  });
  let best = 0;
  for (let start = next[0]![0]!; start < n; start = next[0]![start + 1]!) {
    const deadline = events[start]!.at + windowMs;
    let depth = 1;
    let at = start;
    while (depth < steps.length) {
      const i = next[depth]![at + 1]!;
      if (i >= n || events[i]!.at > deadline) break;
      at = i;
      depth++;
    }
    if (depth > best) best = depth;
    if (best === steps.length) break;
  }
  return best;
}
