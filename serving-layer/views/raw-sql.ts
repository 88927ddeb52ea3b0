import { timestampValue } from '@duckdb/node-api';
import type { StoredPath } from '../../core/events/property-ref';

/** What the raw-event readers share: the span they read, times and JSON paths as the engines take them. */

/**
 * The part of a range the raw-event analyses read: the project's events in [from, to), from the
 * lake before `split` and from the speed view after it.
 */
export interface RawSpan {
  project: string;
  from: Date;
  split: Date;
  to: Date;
}

/** One event with the raw JSON at each path asked: [actor, event, at (epoch ms), ...values]. */
export type PropertyEventRow = [string, string, number, ...(string | null)[]];

/** Which events propertyEvents reads, and which values of each. */
export interface PropertyPick {
  /** Event names; every event when undefined. */
  events: string[] | undefined;
  /** Property names, read first. */
  props: string[];
  /** Paths into the context (['location', 'country']) or the properties (['plan', 'tier']), read after `props`. */
  paths?: readonly StoredPath[];
}

/** The column a stored path reads, from a closed list: never a caller's text. */
export const columnOf = (p: StoredPath) => ({ context: 'context', properties: 'properties' })[p.in];

/** A time as ClickHouse's DateTime64 parameter reads it. */
export const chTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** A time as DuckDB's TIMESTAMP parameter. */
export const duckTime = (d: Date) => timestampValue(BigInt(d.getTime()) * 1000n);

/** A JSON path over keys, for DuckDB's json_extract (bound as a parameter, never in the SQL text). */
export const jsonPathOf = (keys: readonly string[]) =>
  `$.${keys.map((k) => `"${k.replaceAll('"', '\\"')}"`).join('.')}`;

/** A JSON object's text (or the object) as an object; anything else (absent, null, not an object) as none. */
export function parseObject(raw: unknown): Record<string, unknown> {
  const v = typeof raw === 'string' ? parseJson(raw) : raw;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A stored raw JSON value as the scalar text it holds (strings unquoted); null when absent or not a scalar. */
export function scalarText(raw: string | null | undefined): string | null {
  const v = raw === null || raw === undefined ? undefined : parseJson(raw);
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

const jsonLists = new WeakMap<readonly string[], string>();

/**
 * A list of strings as one JSON text, for DuckDB to take apart itself (`from_json($p, '["VARCHAR"]')`):
 * binding a list of a million values converts each in Node, one JSON text is one value. Kept
 * while the list object lives (the identity graph's joined ids change only with the graph).
 */
export function jsonList(list: readonly string[]): string {
  let text = jsonLists.get(list);
  if (text === undefined) jsonLists.set(list, (text = JSON.stringify(list)));
  return text;
}
