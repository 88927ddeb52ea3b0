import { actorId, type AnalyticsEvent } from '../core/event';

export interface ConsumedEvent {
  event: AnalyticsEvent;
  partition: number;
  offset: string;
}

export interface RawEventRow {
  project_id: string;
  event_id: string;
  type: string;
  event: string;
  user_id: string | null;
  anonymous_id: string | null;
  actor_id: string;
  /** ISO-8601; inserted with date_time_input_format=best_effort. */
  event_time: string;
  received_at: string;
  properties: string;
  context: string;
  kafka_partition: number;
  kafka_offset: string;
}

export interface MinuteCountRow {
  project_id: string;
  /** Unix seconds of the minute's start. */
  minute: number;
  event: string;
  events: number;
}

export function toRawRow(c: ConsumedEvent): RawEventRow {
  const e = c.event;
  return {
    project_id: e.projectId,
    event_id: e.eventId,
    type: e.type,
    event: e.event,
    user_id: e.userId,
    anonymous_id: e.anonymousId,
    actor_id: actorId(e),
    event_time: e.timestamp,
    received_at: e.receivedAt,
    properties: JSON.stringify(e.properties),
    context: JSON.stringify(e.context),
    kafka_partition: c.partition,
    kafka_offset: c.offset,
  };
}

/**
 * Pre-aggregates a batch into minute counts by event time. Deterministic for a given input (sorted
 * output), so a retried batch produces the identical block and hits the deduplication token.
 */
export function minuteCounts(events: AnalyticsEvent[]): MinuteCountRow[] {
  const counts = new Map<string, MinuteCountRow>();
  for (const e of events) {
    const minute = Math.floor(Date.parse(e.timestamp) / 60_000) * 60;
    const key = `${e.projectId}\u0000${minute}\u0000${e.event}`;
    const row = counts.get(key);
    if (row) row.events += 1;
    else counts.set(key, { project_id: e.projectId, minute, event: e.event, events: 1 });
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
