import { storedPath, type PropertyRef } from '../../core/events/property-ref';
import { eachInTurns } from '../../core/turns';
import type { RawEventReader, RawSpan } from '../views/raw-event-reader';

/** One event as an answer over raw events reads it. */
export interface ScannedEvent {
  actor: string;
  event: string;
  at: number;
  /** Each property asked by name, parsed from its JSON (undefined when absent). */
  props: unknown[];
  /** Each reference asked: an event dimension's or property's value, a person's trait at the event's time. */
  values: unknown[];
}

/** A person's traits at a time, asked by any of their ids (segment-query.ts keeps the timeline). */
export type TraitsAt = (actor: string, at: number) => Record<string, unknown>;

/**
 * The span's events (of `events`, all when absent), each once, with the properties named in
 * `props` and the values of `refs`: event dimensions and properties read by the layers' engines
 * with the events (their paths bound as parameters), person traits from `traitsAt`. Rows are
 * handed over in turns, so a long scan never holds the event loop.
 */
export async function scanEvents(
  raw: RawEventReader,
  span: RawSpan,
  q: {
    events?: readonly string[] | undefined;
    props: string[];
    refs: readonly PropertyRef[];
    traitsAt?: TraitsAt;
  },
  each: (e: ScannedEvent) => void,
): Promise<void> {
  const { props, refs, traitsAt } = q;
  if (refs.some((r) => r.kind === 'person') && !traitsAt)
    throw new Error('scanEvents: person traits asked without a trait timeline');
  const paths = refs.flatMap((r) => {
    const path = storedPath(r);
    return path ? [path] : [];
  });
  const rows = await raw.propertyEvents(span, {
    events: q.events === undefined ? undefined : [...q.events],
    props,
    paths,
  });
  await eachInTurns(rows, ([actor, event, at, ...raws]) => {
    let k = props.length;
    each({
      actor,
      event,
      at,
      props: raws.slice(0, props.length).map(parsed),
      values: refs.map((r) => (r.kind === 'person' ? traitsAt!(actor, at)[r.trait] : parsed(raws[k++]))),
    });
  });
}

/** A raw JSON value as the value it holds; undefined when absent or not JSON. */
export function parsed(raw: string | null | undefined): unknown {
  if (raw === null || raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** A scalar value (string, number, boolean) as the text a group or a definition's value compares; undefined otherwise. */
export function scalarOf(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
