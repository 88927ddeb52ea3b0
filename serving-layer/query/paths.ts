import { eachInTurns } from '../../core/turns';

/** One step of a person's path: who, when, and what it is called (a page's path, else the event). */
export interface PathEvent {
  actor: string;
  at: number;
  node: string;
}

/** The node a path ends with when the person did nothing more (within the gap) before N steps. */
export const PATH_END = '(end)';

export interface PathsResult {
  /** Persons who did the start. */
  persons: number;
  /** The most followed paths, start first (`after`) or last (`before`), with how many took each. */
  paths: { nodes: string[]; persons: number }[];
  /** Sankey links: from the node at one step to the node at the next, with how many went so. */
  links: { step: number; source: string; target: string; persons: number }[];
}

/**
 * Paths from (or to) a node: for each person, their first occurrence of `start` in the range,
 * then the `steps` nodes that follow it (`after`) or precede it (`before`), repeats of the same
 * node in a row counted once (a reload is not a step), a gap longer than `gapMs` ending the path
 * (the visit is over); a path shorter than asked ends with (end). The `limit` most taken paths
 * are listed (ties by their nodes); links count every person's path, step by step.
 */
export async function computePaths(
  rows: Iterable<PathEvent>,
  o: { start: string; direction: 'after' | 'before'; steps: number; gapMs: number; limit: number },
): Promise<PathsResult> {
  const byActor = new Map<string, PathEvent[]>();
  await eachInTurns(rows, (e) => {
    let list = byActor.get(e.actor);
    if (!list) byActor.set(e.actor, (list = []));
    list.push(e);
  });
  const taken = new Map<string, number>();
  await eachInTurns(byActor.values(), (events) => {
    events.sort((a, b) => a.at - b.at || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    const first = events.findIndex((e) => e.node === o.start);
    if (first < 0) return;
    const nodes = [o.start];
    const dir = o.direction === 'after' ? 1 : -1;
    let last = events[first]!;
    for (let k = first + dir; k >= 0 && k < events.length && nodes.length <= o.steps; k += dir) {
      const e = events[k]!;
      if (Math.abs(e.at - last.at) > o.gapMs) break;
      if (e.node !== nodes[nodes.length - 1]) nodes.push(e.node);
      last = e;
    }
    if (nodes.length <= o.steps) nodes.push(PATH_END);
    const path = o.direction === 'after' ? nodes : nodes.reverse();
    const key = JSON.stringify(path);
    taken.set(key, (taken.get(key) ?? 0) + 1);
  });
  let persons = 0;
  const links = new Map<string, number>();
  for (const [key, n] of taken) {
    persons += n;
    const nodes = JSON.parse(key) as string[];
    for (let i = 0; i + 1 < nodes.length; i++) {
      const link = JSON.stringify([i + 1, nodes[i], nodes[i + 1]]);
      links.set(link, (links.get(link) ?? 0) + n);
    }
  }
  const paths = [...taken]
    .map(([key, n]) => ({ nodes: JSON.parse(key) as string[], persons: n }))
    .sort((a, b) => b.persons - a.persons || compare(a.nodes, b.nodes))
    .slice(0, o.limit);
  return {
    persons,
    paths,
    links: [...links]
      .map(([key, n]) => {
        const [step, source, target] = JSON.parse(key) as [number, string, string];
        return { step, source, target, persons: n };
      })
      .sort(
        (a, b) =>
          a.step - b.step || b.persons - a.persons || compare([a.source, a.target], [b.source, b.target]),
      ),
  };
}

function compare(a: string[], b: string[]): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
