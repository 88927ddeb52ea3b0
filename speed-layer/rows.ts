import { actorId, type AnalyticsEvent } from '../core/events/event';

/** speed_events columns, in the order rows are sent (JSONCompactEachRow with explicit columns). */
export const RAW_COLUMNS = [
  'project_id',
  'event_id',
  'type',
  'event',
  'user_id',
  'anonymous_id',
  'actor_id',
  'event_time',
  'received_at',
  'properties',
  'context',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
] as const;

export type RawEventRow = [
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
];

/** ClickHouse's basic DateTime64 text ('2026-01-31 12:00:00.000', UTC): parsed without best_effort, faster. */
const chTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;

export function toRawRow(c: {
  event: AnalyticsEvent;
  topic: string;
  partition: number;
  offset: string;
}): RawEventRow {
  const e = c.event;
  return [
    e.projectId,
    e.eventId,
    e.type,
    e.event,
    e.userId,
    e.anonymousId,
    actorId(e),
    chTime(e.timestamp),
    chTime(e.receivedAt),
    JSON.stringify(e.properties),
    JSON.stringify(e.context),
    c.topic,
    c.partition,
    c.offset,
  ];
}
