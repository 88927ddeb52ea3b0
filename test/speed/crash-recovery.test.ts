import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { exited, roleEnv, startRole } from '../helpers/child-role';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import type { AnalyticsEvent } from '../../core/events/event';
import { DedupWindow } from '../../speed-layer/dedup-window';
import { OffsetStateStore, type RangeState } from '../../speed-layer/offset-state';
import { deriveRange, emptyDerivedState, type DerivedEvent } from '../../speed-layer/derived-events';
import { readCommitted, readWholeTopic } from '../helpers/kafka-read';
import {
  comparable,
  generateEvents,
  groupProgress,
  produceEvents,
  speedTotals,
  truth,
} from '../helpers/speed-harness';
import {
  CLICKHOUSE_MODES,
  isolatedConfig,
  requireClickHouseServer,
  requireServices,
} from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** What derivation must have published: each partition's distinct events, in offset order, derived once. */
async function expectedDerivedIds(
  kafka: ReturnType<typeof createKafka>,
  topic: string,
  dedupWindowMs: number,
): Promise<string[]> {
  const messages = await readWholeTopic(kafka, topic);
  const ids: string[] = [];
  for (const partition of new Set(messages.map((m) => m.partition))) {
    const dedup = new DedupWindow(dedupWindowMs);
    const events = messages
      .filter((m) => m.partition === partition)
      .sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1))
      .map((m) => ({ e: JSON.parse(m.value) as AnalyticsEvent, offset: BigInt(m.offset) }))
      .filter(
        ({ e, offset }) =>
          !dedup.isDuplicate(`${e.projectId}:${e.eventId}`, Date.parse(e.receivedAt), offset),
      )
      .map(({ e }) => e);
    ids.push(...deriveRange(emptyDerivedState(), events).derived.map((d) => d.id));
  }
  return ids;
}

/**
 * The speed processes are killed with SIGKILL mid-stream, several times, and restarted; the same
 * offsets are then delivered again (the group's offsets reset to the start). The aggregates in
 * ClickHouse equal the truth computed from the generated events every time. In-process, one
 * speed process holds ClickHouse; on a server, two share the partitions and are killed together.
 */
describe.each(CLICKHOUSE_MODES)('speed layer crash recovery, $name', (mode) => {
  let config: Config;
  let env: Record<string, string>;
  const log = createLogger({ test: 'speed-crash' }, 'error');
  const processes = mode.server ? 2 : 1;

  beforeAll(async () => {
    await requireServices();
    if (mode.server) await requireClickHouseServer();
    config = isolatedConfig('speedcrash', { SPEED_DEDUP_WINDOW_MINUTES: '10', ...mode.env() });
    env = roleEnv(config);
    await ensureTopics(createKafka(config, log), config);
  });

  /** The speed processes, as one. */
  const startSpeed = () => {
    const all = Array.from({ length: processes }, () => startRole('speed', env));
    return {
      kill: (signal: NodeJS.Signals) => all.forEach((p) => p.kill(signal)),
      exited: () => Promise.all(all.map(exited)),
    };
  };

  /** Runs the speed process until it has committed everything, then stops it cleanly. */
  async function runToEnd(kafka: ReturnType<typeof createKafka>) {
    const p = startSpeed();
    const progress = await waitFor(
      () => groupProgress(kafka, config.kafka.groups.speed, config.kafka.topics.events),
      (g) => g.committed === g.end,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    p.kill('SIGTERM');
    await p.exited();
    expect(progress.committed).toBe(progress.end);
  }

  async function totals() {
    const client = createClickHouse(config);
    try {
      return comparable(await speedTotals(client, config.clickhouse.database));
    } finally {
      await client.close();
    }
  }

  it('gives exact aggregates after kill -9 mid-stream and restarts, and after a full replay', async () => {
    const kafka = createKafka(config, log);
    // Three hours of event time: sessions end and start again, plays reach 90%.
    const events = generateEvents(40_000, { duplicates: 500, spreadMinutes: 180 });
    await produceEvents(kafka, config.kafka.topics.events, events);
    const expected = comparable(truth(events));

    // Kill it three times while it works: as soon as it has committed something, then at intervals.
    for (let kill = 0; kill < 3; kill++) {
      const p = startSpeed();
      const before = (await groupProgress(kafka, config.kafka.groups.speed, config.kafka.topics.events))
        .committed;
      await waitFor(
        () => groupProgress(kafka, config.kafka.groups.speed, config.kafka.topics.events),
        (g) => g.committed > before || g.committed === g.end,
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      await sleep(kill * 150);
      p.kill('SIGKILL');
      await p.exited();
    }
    await runToEnd(kafka);
    expect(await totals()).toEqual(expected);
    const derivedExpected = await expectedDerivedIds(
      kafka,
      config.kafka.topics.events,
      config.speed.dedupWindowMs,
    );
    expect(derivedExpected.length).toBeGreaterThan(1000);
    const derivedIds = (await readCommitted(kafka, config.kafka.topics.derived)).map(
      (m) => (JSON.parse(m.value) as DerivedEvent).id,
    );
    expect(derivedIds.length).toBe(new Set(derivedIds).size);
    expect([...derivedIds].sort()).toEqual([...derivedExpected].sort());

    // A stop between the transaction's commit and the 'after' record leaves the last range
    // recorded 'before': make partition 0 look like that. The restart must recognise the range as
    // committed (its offset is past it), so the replay below neither counts nor derives it twice.
    const ch = createClickHouse(config);
    const store = new OffsetStateStore(ch, config.clickhouse.database, config.kafka.groups.speed);
    const last = await store.load(config.kafka.topics.events, 0);
    // The recorded range is the partition's last one. Its phase may already be 'before': a kill
    // between the commit and the 'after' record, with nothing left to consume afterwards, leaves
    // it so, and the protocol reads it as committed (its offset is past it).
    const ends = kafka.admin();
    await ends.connect();
    const high = (await ends.fetchTopicOffsets(config.kafka.topics.events)).find((p) => p.partition === 0);
    await ends.disconnect();
    expect(last && last.last + 1n).toBe(BigInt(high?.high ?? -1));
    await ch.command({
      query: 'ALTER TABLE {db:Identifier}.speed_offsets DELETE WHERE partition = 0',
      query_params: { db: config.clickhouse.database },
      clickhouse_settings: { mutations_sync: '1' },
    });
    await store.save(config.kafka.topics.events, 0, { ...(last as RangeState), phase: 'before' });
    await ch.close();
    const more = generateEvents(2000, { spreadMinutes: 180 });
    events.push(...more);
    await produceEvents(kafka, config.kafka.topics.events, more);
    await runToEnd(kafka);
    const withMore = comparable(truth(events));
    expect(await totals()).toEqual(withMore);
    derivedExpected.splice(
      0,
      derivedExpected.length,
      ...(await expectedDerivedIds(kafka, config.kafka.topics.events, config.speed.dedupWindowMs)),
    );

    // The same offsets delivered twice: reset the group to the beginning and consume it all again.
    const admin = kafka.admin();
    await admin.connect();
    // Killed members stay in the group until their session times out.
    await waitFor(
      async () => (await admin.describeGroups([config.kafka.groups.speed])).groups[0]?.state,
      (state) => state === 'Empty',
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    await admin.resetOffsets({
      groupId: config.kafka.groups.speed,
      topic: config.kafka.topics.events,
      earliest: true,
    });
    await admin.disconnect();
    await runToEnd(kafka);
    expect(await totals()).toEqual(withMore);
    // Consumed again, nothing new derived: the replay's offsets were already committed with them.
    const again = (await readCommitted(kafka, config.kafka.topics.derived)).map(
      (m) => (JSON.parse(m.value) as DerivedEvent).id,
    );
    expect([...again].sort()).toEqual([...derivedExpected].sort());
  }, 300_000);
});
