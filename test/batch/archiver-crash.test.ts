import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exited, roleEnv, startRole } from '../helpers/child-role';
import type { Config } from '../../core/config/config';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import { openLake } from '../../core/lake/open-lake';
import { key, type LakeStorage } from '../../core/lake/storage';
import { generateEvents, groupProgress, produceEvents } from '../helpers/speed-harness';
import { isolatedConfig, LAKES, requireObjectStore, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** Every file under a lake folder, as keys, however deep. */
async function filesUnder(lake: LakeStorage, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await lake.list(dir)) {
    const k = key(dir, name);
    const below = await filesUnder(lake, k);
    if (below.length > 0) out.push(...below);
    else out.push(k);
  }
  return out;
}

/**
 * The archiver is killed with SIGKILL mid-stream and restarted; the lake then holds every event
 * exactly once, and no partial or temporary file where readers look, wherever the lake lives.
 */
describe.each(LAKES)('lake archiver crash recovery, $name', (where) => {
  let config: Config;
  let env: Record<string, string>;
  const log = createLogger({ test: 'archiver-crash' }, 'error');

  beforeAll(async () => {
    await requireServices();
    if (where.objectStore) await requireObjectStore();
    config = isolatedConfig('archcrash', where.env());
    env = roleEnv(config, { LAKE_FETCH_WAIT_MS: '100' });
    await ensureTopics(createKafka(config, log), config);
  });

  const start = () => startRole('archiver', env);
  const progress = (kafka: ReturnType<typeof createKafka>, topic: string) =>
    groupProgress(kafka, config.kafka.groups.archiver, topic);

  it('holds exactly the ingested events after kill -9 and restarts', async () => {
    const kafka = createKafka(config, log);
    const events = generateEvents(30_000, { spreadMinutes: 150 });
    await produceEvents(kafka, config.kafka.topics.events, events);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: config.kafka.topics.quarantine,
      messages: Array.from({ length: 50 }, (_, i) => ({
        key: 'p1',
        value: JSON.stringify({
          projectId: 'p1',
          reason: 'bad',
          receivedAt: new Date().toISOString(),
          raw: { i },
        }),
      })),
    });
    await producer.disconnect();

    for (let kill = 0; kill < 3; kill++) {
      const p = start();
      const before = (await progress(kafka, config.kafka.topics.events)).committed;
      await waitFor(
        () => progress(kafka, config.kafka.topics.events),
        (g) => g.committed > before || g.committed === g.end,
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      await sleep(kill * 100);
      p.kill('SIGKILL');
      await exited(p);
    }
    const p = start();
    for (const topic of [config.kafka.topics.events, config.kafka.topics.quarantine]) {
      const g = await waitFor(
        () => progress(kafka, topic),
        (x) => x.committed === x.end,
        { timeoutMs: 120_000, intervalMs: 300 },
      );
      expect(g.committed).toBe(g.end);
    }
    p.kill('SIGTERM');
    await exited(p);

    const lake = openLake(config.lake);
    const files = [...(await filesUnder(lake, 'events')), ...(await filesUnder(lake, 'quarantine'))];
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !/\/part-[^/]+-\d+-\d{20}-\d{20}\.parquet$/.test(f))).toEqual([]);
    const db = await openLakeDuckDB(lake, 2);
    const conn = await db.connect();
    const counted = await conn.runAndReadAll(
      'SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS ids FROM read_parquet($glob)',
      { glob: lake.uri('events/**/*.parquet') },
    );
    expect(counted.getRowObjectsJson()[0]).toEqual({ n: events.length, ids: events.length });
    const perHour = await conn.runAndReadAll(
      `SELECT count(*)::INT AS wrong FROM read_parquet($glob, hive_partitioning = true)
       WHERE strftime(event_time, '%Y-%m-%d') <> date::VARCHAR OR hour::INT <> hour(event_time)`,
      { glob: lake.uri('events/**/*.parquet') },
    );
    expect(perHour.getRowObjectsJson()[0]).toEqual({ wrong: 0 });
    const quarantine = await conn.runAndReadAll('SELECT count(*)::INT AS n FROM read_parquet($glob)', {
      glob: lake.uri('quarantine/**/*.parquet'),
    });
    expect(quarantine.getRowObjectsJson()[0]).toEqual({ n: 50 });
    conn.closeSync();
  }, 300_000);
});
