import type { StoredEvent } from '../live/messages';

/** The raw-event columns a StoredEvent is read from, as ClickHouse names them (times as text). */
export const STORED_EVENT_COLUMNS = `event_id, type, event, user_id, anonymous_id, toString(event_time) AS t,
  toString(received_at) AS r, properties, context`;

/** A stored time as ISO-8601: ClickHouse and DuckDB answer 'YYYY-MM-DD hh:mm:ss.sss', in UTC. */
export const isoTime = (v: unknown) =>
  new Date(`${String(v).replace(' ', 'T')}${String(v).endsWith('Z') ? '' : 'Z'}`).toISOString();

/** A raw-event row (speed view or lake) as the API shows it: properties and context parsed. */
export function storedEvent(row: Record<string, string | null>, source: 'speed' | 'lake'): StoredEvent {
  return {
    eventId: String(row.event_id),
    type: String(row.type),
    event: String(row.event),
    userId: row.user_id ?? null,
    anonymousId: row.anonymous_id ?? null,
    timestamp: isoTime(row.t),
    receivedAt: isoTime(row.r),
    properties: JSON.parse(row.properties ?? '{}') as unknown,
    context: JSON.parse(row.context ?? '{}') as unknown,
    source,
  };
}
