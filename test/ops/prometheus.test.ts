import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createKafka } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { watchConsumerLag } from '../../core/ops/consumer-lag';
import { ensurePrometheus } from '../../infra/local/prometheus/install';
import { freePort } from '../helpers/free-port';
import { platformCli } from '../helpers/platform-cli';
import { knownWriteKey } from '../helpers/segment-sdk';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * Every role's /metrics scraped by a real Prometheus: a known workload (events accepted,
 * quarantined by cause, records dead-lettered by both consumers, API requests) reads back through
 * Prometheus's HTTP API with exactly the values sent.
 */
describe('Prometheus metrics', () => {
  let config: Config;
  let roles: RunningRoles;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  const project = `ops${Date.now().toString(36)}`;

  beforeAll(async () => {
    await requireServices();
    const bin = ensurePrometheus();
    config = isolatedConfig('ops');
    roles = await startRoles(
      ['ingest', 'speed', 'archiver', 'serve'],
      config,
      createLogger({ test: 'ops' }, 'error'),
    );
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const target = new URL(roles.urls.ops as string).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: platform\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      bin.prometheus,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      () =>
        fetch(`${promUrl}/-/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 120_000);
  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await roles?.stop();
  });

  /** One sample's value through Prometheus's query API (undefined until scraped). */
  const query = async (q: string): Promise<number | undefined> => {
    const r = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
      data: { result: { value: [number, string] }[] };
    };
    const v = r.data.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  };

  it('reads back what the workload did, exactly', async () => {
    const { post: batch } = await knownWriteKey(config, roles.urls.ingest as string, project);
    const now = new Date().toISOString();
    const good = Array.from({ length: 7 }, (_, i) => ({
      type: 'track',
      event: 'page_view',
      userId: `u${i}`,
      timestamp: now,
    }));
    const noUser = Array.from({ length: 2 }, () => ({ type: 'track', event: 'page_view', timestamp: now }));
    const badSchema = {
      type: 'track',
      event: 'purchase',
      userId: 'u1',
      properties: { total_amount: 'lots' },
      timestamp: now,
    };
    const answer = await batch([...good, ...noUser, badSchema]);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ accepted: 7, quarantined: 3 });

    // Two records no consumer can read, straight onto the events topic: both groups dead-letter them.
    const producer = createKafka(config, createLogger({ test: 'ops' }, 'error')).producer();
    await producer.connect();
    await producer.send({
      topic: config.kafka.topics.events,
      messages: [{ value: Buffer.from('not json') }, { value: Buffer.from(JSON.stringify({ hello: 1 })) }],
    });
    await producer.disconnect();

    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    for (let i = 0; i < 3; i++)
      expect(
        (
          await fetch(`${roles.urls.api}/v1/metrics/events`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status,
      ).toBe(200);

    const expected: [string, number][] = [
      [`ingest_events_total{project="${project}",outcome="accepted"}`, 7],
      [`ingest_events_total{project="${project}",outcome="quarantined"}`, 3],
      [`ingest_quarantined_events_total{project="${project}",cause="event"}`, 2],
      [`ingest_quarantined_events_total{project="${project}",cause="schema"}`, 1],
      [`ingest_requests_total{route="/v1/batch",status="200"}`, 2],
      [`consumer_dead_letters_total{group="${config.kafka.groups.speed}"}`, 2],
      [`consumer_dead_letters_total{group="${config.kafka.groups.archiver}"}`, 2],
      [`api_requests_total{route="/v1/metrics/:name",status="200"}`, 3],
      [`sum(api_request_duration_seconds_count{route="/v1/metrics/:name"})`, 3],
      // The speed layer read the 7 events and the 2 poison records; the archiver those and the 3 quarantined.
      [`consumer_records_total{group="${config.kafka.groups.speed}"}`, 9],
      [`consumer_records_total{group="${config.kafka.groups.archiver}"}`, 12],
      // Each of the 7 events became queryable in the speed view once.
      ['speed_freshness_seconds_count', 7],
    ];
    const read = () => Promise.all(expected.map(async ([q]) => [q, await query(q)] as const));
    const seen = await waitFor(
      read,
      (r) => r.every(([q, v], i) => q === expected[i]?.[0] && v === expected[i]?.[1]),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
    // Both groups have committed every record: no lag on any partition of their topics.
    const lag = await waitFor(
      () =>
        query(
          `sum(consumer_lag_records{group=~"${config.kafka.groups.speed}|${config.kafka.groups.archiver}"})`,
        ),
      (v) => v === 0,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(lag).toBe(0);
    expect(await query(`count(consumer_lag_records{group="${config.kafka.groups.archiver}"})`)).toBe(
      2 * config.kafka.partitions,
    );
    // A group that never committed lags by every record of the topic (7 events, 2 poison).
    const stopIdle = watchConsumerLag(
      createKafka(config, createLogger({ test: 'ops' }, 'error')),
      `${config.kafka.groups.speed}-idle`,
      [config.kafka.topics.events],
    );
    try {
      const idle = await waitFor(
        () => query(`sum(consumer_lag_records{group="${config.kafka.groups.speed}-idle"})`),
        (v) => v === 9,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(idle).toBe(9);
    } finally {
      await stopIdle();
    }
    // ./platform status reads the same metrics: one line per project and per consumer group.
    const status = await platformCli(config, ['status', '--ops', roles.urls.ops as string]);
    expect(status).toContain(`ingest      ${project}: 7 accepted, 3 quarantined (event 2, schema 1)`);
    expect(status).toContain(
      `consumer    ${config.kafka.groups.speed}: lag 0 over 3 partitions, 9 records, 2 dead letters`,
    );
    expect(status).toMatch(/^watermark {3}none sealed yet/m);
    expect(status).toMatch(/^schedules {3}/m);
    // Node's runtime metrics are there too.
    expect(await query('process_resident_memory_bytes')).toBeGreaterThan(0);
  }, 120_000);

  it('says what became of each event at every step in one vocabulary (the workload above)', async () => {
    // One process here: the counts are this test's workload (the project's and both groups' only).
    const outcome = (step: string, kind: string, reason?: string) =>
      `sum(event_outcomes_total{step="${step}",outcome="${kind}"${reason ? `,reason="${reason}"` : ''}})`;
    const expected: [string, number][] = [
      [outcome('ingest', 'ok'), 7],
      [outcome('ingest', 'quarantine', 'event'), 2],
      [outcome('ingest', 'quarantine', 'schema'), 1],
      // The speed layer took the 7 events and dead-lettered the 2 poison records.
      [outcome('speed', 'ok'), 7],
      [outcome('speed', 'dead_letter', 'poison'), 2],
      // The archiver kept the 7 events and the 3 quarantined calls, and dead-lettered the 2 records.
      [outcome('archive', 'ok'), 10],
      [outcome('archive', 'dead_letter', 'poison'), 2],
    ];
    const read = () => Promise.all(expected.map(async ([q]) => [q, await query(q)] as const));
    const seen = await waitFor(
      read,
      (r) => r.every(([q, v], i) => q === expected[i]?.[0] && v === expected[i]?.[1]),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
    // Nothing was dropped: no drop series at all.
    expect(await query(`count(event_outcomes_total{outcome="drop"})`)).toBeUndefined();
  }, 90_000);
});
