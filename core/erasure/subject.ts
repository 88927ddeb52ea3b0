import { createHash } from 'node:crypto';

/**
 * Whose events an erasure (or an export) covers: the user id, every id an alias call named as
 * the user's previous one, and every anonymous id the user was seen with (an identify call, or
 * any event carrying both). An event is the user's when its user id is one of `users`, or when it
 * has no user id and its anonymous id is one of `anons`: an event another user sent from a shared
 * device (their user id, the same anonymous id) stays theirs.
 */
export interface ErasureSubject {
  user: string;
  users: string[];
  anons: string[];
}

/** One row of what a store knows links ids: an event's anonymous id, and an alias's previous id. */
export interface IdLink {
  anonymous_id: string | null;
  prev: string | null;
}

export const subjectOf = (user: string): ErasureSubject => ({ user, users: [user], anons: [] });

/** The subject with the links found added; `grew` says whether another lookup may find more. */
export function withLinks(s: ErasureSubject, links: IdLink[]): { subject: ErasureSubject; grew: boolean } {
  const users = new Set(s.users);
  const anons = new Set(s.anons);
  for (const l of links) {
    if (l.anonymous_id) anons.add(l.anonymous_id);
    // An alias's previous id may have been a user id or an anonymous one: both name the user.
    if (l.prev) {
      users.add(l.prev);
      anons.add(l.prev);
    }
  }
  const grew = users.size > s.users.length || anons.size > s.anons.length;
  return { subject: { user: s.user, users: [...users].sort(), anons: [...anons].sort() }, grew };
}

/** Every id of the subject (what ingest drops), each once. */
export const subjectIds = (s: ErasureSubject): string[] => [...new Set([...s.users, ...s.anons])].sort();

/**
 * What the drop list keeps of an id: its SHA-256 with the project, so the list names no one in
 * clear text and an id of one project never matches another's.
 */
export const idHash = (project: string, id: string): string =>
  createHash('sha256').update(`${project}\u0000${id}`).digest('hex');

/**
 * The subject's rows, in DuckDB over the lake's columns, with `$users` and `$anons` bound as
 * VARCHAR lists. Never NULL: a row with neither id is not the user's, and `NOT` of it keeps it.
 */
export const DUCKDB_SUBJECT_ROWS = `coalesce(list_contains($users, user_id), false)
  OR (user_id IS NULL AND coalesce(list_contains($anons, anonymous_id), false))`;

/** The same in ClickHouse over speed_events, with {users} and {anons} bound as Array(String). */
export const CLICKHOUSE_SUBJECT_ROWS = `(user_id IN {users:Array(String)}
  OR (isNull(user_id) AND anonymous_id IN {anons:Array(String)}))`;

/** A quarantined payload's rows (raw JSON text), in DuckDB: the ids as the client sent them. */
export const DUCKDB_SUBJECT_RAW = `coalesce(list_contains($users, json_extract_string(raw, '$.userId')), false)
  OR coalesce(list_contains($anons, json_extract_string(raw, '$.anonymousId')), false)
  OR coalesce(list_contains($users, json_extract_string(raw, '$.user_id')), false)
  OR coalesce(list_contains($anons, json_extract_string(raw, '$.anonymous_id')), false)`;
