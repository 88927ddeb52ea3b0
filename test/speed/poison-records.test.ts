import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { Partitioners } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import type { DeadLetter } from '../../core/kafka/dead-letters';
import { partitionKey } from '../../core/events/event';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { createLogger } from '../../core/log';
import { exited, roleEnv, startRole } from '../helpers/child-role';
import { REPO_ROOT } from '../../infra/local/paths';
import { readCommitted, readWholeTopic } from '../helpers/kafka-read';
import { comparable, generateEvents, groupProgress, speedTotals, truth } from '../helpers/speed-harness';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * Records that are not events, produced straight into `events` by another producer between good
 * records: garbage bytes, JSON that is not an event, an event whose time no store can hold (year
 * 2500: outside ClickHouse's DateTime), and a valid event that a ClickHouse constraint refuses
 * (found after 3 failed writes of its range, by bisecting the range on tables that keep nothing). Each consumer dead-letters every one of them exactly
 * once and goes on; the speed and archiver processes are each killed with SIGKILL once mid-run,
 * and every good record is counted exactly once all the same.
 */
describe('poison records', () => {
  let config: Config;
  let env: Record<string, string>;
  const log = createLogger({ test: 'poison' }, 'error');

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('poison');
    env = roleEnv(config);
    await ensureTopics(createKafka(config, log), config);
    // An operator's rule ClickHouse enforces: a valid event it refuses (the speed role's process
    // opens the same embedded database once this one is closed).
    const ch = createClickHouse(config);
    await applyClickHouseSchema(ch, config.clickhouse.database);
    await ch.command({
      query: `ALTER TABLE {db:Identifier}.speed_events ADD CONSTRAINT IF NOT EXISTS not_refused CHECK event != 'refused-by-clickhouse'`,
      query_params: { db: config.clickhouse.database },
    });
    await ch.close();
  });

  it('go to the dead-letter topic exactly once per consumer, and every good record around them counts once', async () => {
    const kafka = createKafka(config, log);
    const events = generateEvents(30_000, { duplicates: 300, spreadMinutes: 120 });
    const poison: { key: string; value: Buffer }[] = [];
    for (let i = 0; i < 12; i++) {
      const like = events[i * 2000] as (typeof events)[number];
      poison.push(
        i % 3 === 0
          ? { key: partitionKey(like), value: Buffer.from([0xff, 0x00, 0x13, 0x37, i]) }
          : i % 3 === 1
            ? { key: partitionKey(like), value: Buffer.from(JSON.stringify({ hello: 'not an event', i })) }
            : {
                key: partitionKey(like),
                value: Buffer.from(
                  JSON.stringify({ ...like, eventId: `far-${i}`, timestamp: '2500-01-01T00:00:00.000Z' }),
                ),
              },
      );
    }
    // A valid event (the lake takes it) that ClickHouse refuses (the constraint above).
    const refusedEvent = {
      ...(events[7] as (typeof events)[number]),
      eventId: 'refused-1',
      event: 'refused-by-clickhouse',
    };
    const refused = { key: partitionKey(refusedEvent), value: Buffer.from(JSON.stringify(refusedEvent)) };
    // Good records and poison interleaved, in the same partitions (same keys).
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    for (let i = 0; i < events.length; i += 2500) {
      const good = events.slice(i, i + 2500).map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) }));
      const bad = [...poison.slice(i / 2500, i / 2500 + 1), ...(i === 5000 ? [refused] : [])]; // each once
      await producer.send({
        topic: config.kafka.topics.events,
        acks: -1,
        messages: [...good.slice(0, 1000), ...bad, ...good.slice(1000)],
      });
    }
    await producer.disconnect();

    // Both consumers, each killed with SIGKILL once as soon as it has committed something.
    for (const role of ['speed', 'archiver'] as const) {
      const group = role === 'speed' ? config.kafka.groups.speed : config.kafka.groups.archiver;
      const p = startRole(role, env);
      await waitFor(
        () => groupProgress(kafka, group, config.kafka.topics.events),
        (g) => g.committed > 0,
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      await sleep(100);
      p.kill('SIGKILL');
      await exited(p);
    }
    for (const role of ['speed', 'archiver'] as const) {
      const group = role === 'speed' ? config.kafka.groups.speed : config.kafka.groups.archiver;
      const p = startRole(role, env);
      const progress = await waitFor(
        () => groupProgress(kafka, group, config.kafka.topics.events),
        (g) => g.committed === g.end,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      p.kill('SIGTERM');
      await exited(p);
      expect(progress.committed, role).toBe(progress.end);
    }

    // The speed view: exactly the good records.
    const ch = createClickHouse(config);
    try {
      expect(comparable(await speedTotals(ch, config.clickhouse.database))).toEqual(
        comparable(truth(events)),
      );
    } finally {
      await ch.close();
    }
    // The lake: every good record once, and the one only ClickHouse refuses; nothing else.
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const lake = await conn.runAndReadAll(
      `SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS ids FROM read_parquet($glob)`,
      { glob: join(config.lake.root, 'events', '**', '*.parquet') },
    );
    conn.closeSync();
    db.closeSync();
    expect(lake.getRowObjectsJson()[0]).toEqual({
      n: events.length + 1,
      ids: new Set(events.map((e) => e.eventId)).size + 1,
    });

    // The dead-letter topic: each poison record once per consumer group, with its exact bytes.
    const letters = (await readCommitted(kafka, config.kafka.topics.deadletter)).map(
      (m) => JSON.parse(m.value) as DeadLetter,
    );
    for (const group of [config.kafka.groups.speed, config.kafka.groups.archiver]) {
      const expected = group === config.kafka.groups.speed ? [...poison, refused] : poison;
      const mine = letters.filter((l) => l.group === group);
      expect(mine.map((l) => Buffer.from(l.value ?? '', 'base64').toString('hex')).sort(), group).toEqual(
        expected.map((p) => p.value.toString('hex')).sort(),
      );
      expect(new Set(mine.map((l) => `${l.partition}:${l.offset}`)).size).toBe(expected.length);
      for (const l of mine) {
        expect(l.sourceTopic).toBe(config.kafka.topics.events);
        expect(l.error).toMatch(/not JSON|must be|outside|ClickHouse refuses it/);
      }
    }
    expect(letters).toHaveLength(2 * poison.length + 1);

    // ./platform deadletter list shows them; replay puts one record's bytes back on its topic.
    const cli = (...a: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'deadletter', ...a], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
    const listed = cli('list');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(2 * poison.length + 1);
    const one = letters.find((l) => l.value === poison[1]?.value.toString('base64')) as DeadLetter;
    const replayed = cli('replay', '--offset', `${one.sourceTopic}:${one.partition}:${one.offset}`);
    expect(replayed.status, replayed.stderr).toBe(0);
    const again = (await readWholeTopic(kafka, config.kafka.topics.events)).filter(
      (m) => m.value === poison[1]?.value.toString('utf8'),
    );
    expect(again).toHaveLength(2);
    expect(cli('replay').status).toBe(2); // says which to replay, replays nothing
  }, 300_000);
});
