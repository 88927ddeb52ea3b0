import type { IdentityCall } from './identity';

/**
 * The calls that may join ids into persons, as each engine reads them from raw events: identify
 * calls carrying a user id (and, to join, an anonymous id) and alias calls with their previous
 * id, each once (by event id). The serving layer (persons, unique counts, sessions) and the
 * erasure and export of a person read them with the same SQL, so they agree on who is whom.
 */

/** DuckDB over the lake's files: `$globs` (the files), `$from` and `$to` (event times) bound. */
export const DUCKDB_IDENTITY_CALLS = `SELECT event_id, any_value(type), epoch_ms(min(event_time)), any_value(user_id), any_value(anonymous_id),
         any_value(CASE WHEN type = 'alias' THEN json_extract_string(properties, '$.previousId') END)
  FROM read_parquet($globs, union_by_name = true)
  WHERE type IN ('identify', 'alias') AND user_id IS NOT NULL
    AND event_time >= $from AND event_time < $to
  GROUP BY event_id`;

/** ClickHouse over speed_events: {db}, {project}, {from} and {to} bound. */
export const CLICKHOUSE_IDENTITY_CALLS = `SELECT event_id, any(type), toUnixTimestamp64Milli(min(event_time)), any(user_id), any(anonymous_id),
         any(if(type = 'alias', JSONExtractString(properties, 'previousId'), ''))
  FROM {db:Identifier}.speed_events
  WHERE project_id = {project:String} AND type IN ('identify', 'alias') AND isNotNull(user_id)
    AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
  GROUP BY event_id`;

/** A row of either query as a call. */
export function identityCallOf(r: readonly unknown[]): IdentityCall {
  return {
    eventId: String(r[0]),
    type: r[1] === 'alias' ? 'alias' : 'identify',
    at: Number(r[2]),
    userId: String(r[3]),
    anonymousId: r[4] === null || r[4] === '' ? null : String(r[4]),
    previousId: r[5] === null || r[5] === '' ? null : String(r[5]),
  };
}

/** Calls read from both layers, each once: a call the lake and the speed view both hold counts once. */
export function onePerEvent(...layers: IdentityCall[][]): IdentityCall[] {
  const seen = new Set<string>();
  const out: IdentityCall[] = [];
  for (const calls of layers)
    for (const c of calls)
      if (!seen.has(c.eventId)) {
        seen.add(c.eventId);
        out.push(c);
      }
  return out;
}

/**
 * The ids of the person holding `actors` (IdentityGraph.actorsOf), as an erasure or an export
 * names them: user ids, and anonymous ids without their `anon:` prefix.
 */
export function idsOf(actors: readonly string[]): { users: string[]; anons: string[] } {
  const users = actors.filter((a) => !a.startsWith('anon:')).sort();
  const anons = actors
    .filter((a) => a.startsWith('anon:'))
    .map((a) => a.slice('anon:'.length))
    .sort();
  return { users, anons };
}
