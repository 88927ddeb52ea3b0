import { actorId, type AnalyticsEvent } from '../core/event';

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
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

export function toRawRow(c: { event: AnalyticsEvent; topic: string; partition: number; offset: string }): RawEventRow {
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
    kafka_topic: c.topic,
    kafka_partition: c.partition,
    kafka_offset: c.offset,
  };
}
