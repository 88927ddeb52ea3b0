import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { Partitioners, type Kafka } from 'kafkajs';
import { partitionKey, type AnalyticsEvent } from '../../core/events/event';

/**
 * Events with a known truth: `duplicates` of them are re-sent copies (same messageId, arriving a
 * little later, inside the dedup window), spread over a few minutes of event time.
 */
export function generateEvents(
  n: number,
  opts: { duplicates?: number; start?: number; projectId?: string; spreadMinutes?: number } = {},
): AnalyticsEvent[] {
  const spread = (opts.spreadMinutes ?? 8) * 60_000;
  const start = opts.start ?? Math.floor(Date.now() / 60_000) * 60_000 - spread - 2 * 60_000;
  const names = ['page', 'video_play', 'purchase', 'signup_clicked', 'video_progress', 'video_error'];
  const events: AnalyticsEvent[] = [];
  for (let i = 0; i < n; i++) {
    const name = names[i % names.length] as string;
    const time = new Date(start + ((i * 7919) % spread)).toISOString();
    events.push({
      eventId: randomUUID(),
      projectId: opts.projectId ?? 'p1',
      type: name === 'page' ? 'page' : 'track',
      event: name,
      userId: `u${i % 97}`,
      anonymousId: null,
      timestamp: time,
      originalTimestamp: time,
      sentAt: time,
      // Arrival order is generation order, as at a real collector; event times are spread out.
      receivedAt: new Date(start + spread + i * 10).toISOString(),
      properties:
        name === 'purchase'
          ? {
              order_id: `o${i}`,
              total_amount: (i % 50) + 0.25,
              currency: 'EUR',
              product_id: `sku${i % 5}`,
              category: 'books',
              price: 5,
              quantity: 1 + (i % 3),
            }
          : name === 'page'
            ? { path: `/p${i % 4}` }
            : name === 'video_progress'
              ? { content_id: `c${i % 3}`, watch_time_seconds: 120, duration_seconds: 300 }
              : { content_id: `c${i % 3}`, duration_seconds: 300 },
      context: {},
      schema: null,
    });
  }
  for (let d = 0; d < (opts.duplicates ?? 0); d++) {
    const original = events[(d * 13) % n] as AnalyticsEvent;
    events.push({ ...original, receivedAt: new Date(Date.parse(original.receivedAt) + 5000).toISOString() });
  }
  return events;
}

export async function produceEvents(kafka: Kafka, topic: string, events: AnalyticsEvent[]): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  for (let i = 0; i < events.length; i += 1000) {
    await producer.send({
      topic,
      acks: -1,
      messages: events.slice(i, i + 1000).map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })),
    });
  }
  await producer.disconnect();
}

type Totals = Map<string, { count: number; sum: number }>;

/** The truth, computed independently of the speed layer: distinct events counted by a plain loop. */
export function truth(events: AnalyticsEvent[]): Totals {
  const seen = new Set<string>();
  const t: Totals = new Map();
  const add = (key: string, sum: number) => {
    const v = t.get(key) ?? { count: 0, sum: 0 };
    v.count += 1;
    v.sum += sum;
    t.set(key, v);
  };
  for (const e of events) {
    if (seen.has(`${e.projectId}:${e.eventId}`)) continue;
    seen.add(`${e.projectId}:${e.eventId}`);
    const minute = new Date(Math.floor(Date.parse(e.timestamp) / 60_000) * 60_000).toISOString();
    add(`events|${minute}|${e.event}`, 0);
    if (e.event === 'purchase') add(`revenue|${minute}|EUR`, e.properties.total_amount as number);
  }
  return t;
}

/** The same totals read back from ClickHouse. */
export async function speedTotals(
  client: ClickHouseClient,
  database: string,
  project?: string,
): Promise<Totals> {
  const r = await client.query({
    query: `SELECT metric, formatDateTime(minute, '%Y-%m-%dT%H:%i:00.000Z', 'UTC') AS minute, dim,
                   toUInt64(sum(count)) AS count, sum(sum) AS sum
            FROM {db:Identifier}.speed_measures_minute
            WHERE metric IN ('events', 'revenue') AND ({project:String} = '' OR project_id = {project:String})
            GROUP BY metric, minute, dim`,
    query_params: { db: database, project: project ?? '' },
    format: 'JSONEachRow',
  });
  const t: Totals = new Map();
  for (const row of await r.json<{
    metric: string;
    minute: string;
    dim: string;
    count: string;
    sum: number;
  }>()) {
    t.set(`${row.metric}|${row.minute}|${row.dim}`, { count: Number(row.count), sum: Number(row.sum) });
  }
  return t;
}

/** Rounds sums so float addition order does not matter. */
export const comparable = (t: Totals) =>
  Object.fromEntries(
    [...t].sort().map(([k, v]) => [k, { count: v.count, sum: Math.round(v.sum * 100) / 100 }]),
  );

/**
 * Committed offsets of a group, summed over partitions, against the topic's end. Retries the
 * broker's transient answers (a coordinator moving or loading), which kafkajs' admin passes on.
 */
export async function groupProgress(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ committed: bigint; end: bigint }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await groupProgressOnce(kafka, groupId, topic);
    } catch (e) {
      if (attempt >= 20 || (e as { retriable?: boolean }).retriable === false) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function groupProgressOnce(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ committed: bigint; end: bigint }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = (offsets?.partitions ?? []).reduce(
      (n, p) => n + (p.offset === '-1' ? 0n : BigInt(p.offset)),
      0n,
    );
    return { committed, end: ends.reduce((n, p) => n + BigInt(p.high), 0n) };
  } finally {
    await admin.disconnect();
  }
}
