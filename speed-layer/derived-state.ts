import type { ClickHouseClient } from '@clickhouse/client';
import type { AnalyticsEvent } from '../core/events/event';
import { deriveRange, emptyDerivedState, type DerivedState } from './derived-events';

/**
 * How far back derivation state is rebuilt, in session timeouts: sessions need two; plays longer
 * than this lose their progress.
 */
const LOOKBACK_TIMEOUTS = 4;

/**
 * Rebuilds the derivation state of a partition as of `beforeOffset` by replaying the events the
 * speed view already holds (offsets below it, event time within the lookback of their
 * watermark) through the same function that derives live: the state is the one a process that
 * never stopped would have, so a range rebuilt after a crash derives the same events.
 */
export async function loadDerivedState(q: {
  client: ClickHouseClient;
  database: string;
  topic: string;
  partition: number;
  beforeOffset: bigint;
  sessionTimeoutMs: number;
}): Promise<DerivedState> {
  const { client, database, topic, partition, beforeOffset, sessionTimeoutMs } = q;
  const r = await client.query({
    query: `WITH (SELECT max(event_time) FROM {db:Identifier}.speed_events
                  WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32} AND kafka_offset < {before:UInt64}) AS wm
            SELECT project_id, event_id, event, user_id, anonymous_id, actor_id,
                   toString(toUnixTimestamp64Milli(event_time)) AS t,
                   JSONExtractString(properties, 'content_id') AS content_id,
                   JSONExtractFloat(properties, 'duration_seconds') AS duration_seconds,
                   JSONExtractFloat(properties, 'watch_time_seconds') AS watch_time_seconds
            FROM {db:Identifier}.speed_events
            WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
              AND kafka_offset < {before:UInt64}
              AND event_time >= wm - toIntervalMillisecond({lookback:UInt64})
            ORDER BY kafka_offset`,
    query_params: {
      db: database,
      topic,
      partition,
      before: beforeOffset.toString(),
      lookback: LOOKBACK_TIMEOUTS * sessionTimeoutMs,
    },
    format: 'JSONEachRow',
  });
  const rows = await r.json<{
    project_id: string;
    event_id: string;
    event: string;
    user_id: string | null;
    anonymous_id: string | null;
    t: string;
    content_id: string;
    duration_seconds: number;
    watch_time_seconds: number;
  }>();
  if (rows.length === 0) return emptyDerivedState();
  const events = rows.map((row): AnalyticsEvent => ({
    eventId: row.event_id,
    projectId: row.project_id,
    type: 'track',
    event: row.event,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    timestamp: new Date(Number(row.t)).toISOString(),
    originalTimestamp: null,
    sentAt: null,
    receivedAt: new Date(Number(row.t)).toISOString(),
    properties: row.content_id
      ? {
          content_id: row.content_id,
          duration_seconds: row.duration_seconds,
          watch_time_seconds: row.watch_time_seconds,
        }
      : {},
    context: {},
    schema: null,
  }));
  return deriveRange(emptyDerivedState(), events, sessionTimeoutMs).next;
}
