import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { DuckDBInstance, LIST, listValue, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { MetadataStore } from '../../core/metadata/store';
import { hllEstimate, hllMerge, hllRegister } from '../../core/sketches/hll';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import { exited, roleEnv, startRole } from '../helpers/child-role';
import { distinctEventsInLake } from '../helpers/lake';
import { knownWriteKey } from '../helpers/segment-sdk';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** What the test sent, stored events only (quarantined ones apart). */
interface Sent {
  messageId: string;
  type: 'page' | 'track' | 'identify' | 'alias';
  event?: string;
  userId?: string;
  anonymousId?: string;
  previousId?: string;
  at: number;
  amount?: number;
}

const actor = (e: Sent) => e.userId ?? `anon:${e.anonymousId ?? ''}`;

/** Every Parquet file under a folder, by path relative to it. */
function parquetFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== '_scratch') out.push(...parquetFiles(root, path));
    } else if (name.endsWith('.parquet')) out.push(relative(root, path));
  }
  return out.sort();
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * GDPR erasure through the whole platform: a user with events in sealed hours (batch views), in
 * unsealed hours and in the speed view, under their user id, an anonymous id linked by identify,
 * and an old id linked by alias; a quarantined event of theirs; another user on the same device.
 * The batch worker is killed with SIGKILL half-way through rewriting the lake and a new one
 * resumes. Afterwards no lake file, speed table or view holds a row of theirs, every metric
 * equals the truth without them, other users' files are byte-identical, the audit entry names no
 * one, and their new events are dropped at ingest.
 */
describe('eraseUser', () => {
  let config: Config;
  let roles: RunningRoles;
  let temporal: Connection;
  let client: Client;
  let ch: ClickHouseClient;
  let duck: DuckDBConnection;
  const tag = randomUUID().slice(0, 8);
  const project = `erase${tag}`;
  const victim = `victim-${tag}`;
  const anon = `anonv-${tag}`;
  const oldId = `oldv-${tag}`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig(`erase${tag}`, { ERASURE_DROP_LIST_REFRESH_MS: '500' });
    roles = await startRoles(['ingest', 'speed', 'archiver', 'serve'], config, createLogger({}, 'warn'));
    temporal = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection: temporal, namespace: config.temporal.namespace });
    ch = createClickHouse(config);
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  }, 120_000);
  afterAll(async () => {
    duck?.closeSync();
    await ch?.close();
    await temporal?.close();
    await roles?.stop();
  });

  it('removes every event of the user everywhere, resumes after kill -9, and drops their new events', async () => {
    if (Date.now() % HOUR < 3 * MINUTE) await sleep(3 * MINUTE - (Date.now() % HOUR));
    const now = Date.now();
    const h = Math.floor(now / HOUR) * HOUR;
    const ingest = roles.urls.ingest as string;
    const { post } = await knownWriteKey(config, ingest, project);

    // The population: 30 users with a page per hour over four hours, and the user to erase.
    const sent: Sent[] = [];
    const add = (e: Omit<Sent, 'messageId'>) => sent.push({ messageId: randomUUID(), ...e });
    for (let i = 0; i < 30; i++)
      for (let k = 3; k >= 0; k--) {
        const at = k === 0 ? h + MINUTE + i * 1000 : h - k * HOUR + 15 * MINUTE + i * 1000;
        add({ type: 'page', userId: `u-${i}`, at });
      }
    add({ type: 'track', event: 'purchase', userId: 'u-3', at: h - 2 * HOUR + 50 * MINUTE, amount: 20 });
    // Before signing in: anonymous pages; then identify links them; an old id aliased to theirs.
    add({ type: 'page', anonymousId: anon, at: h - 3 * HOUR + 5 * MINUTE });
    add({ type: 'page', anonymousId: anon, at: h - HOUR + 5 * MINUTE });
    add({ type: 'identify', userId: victim, anonymousId: anon, at: h - 3 * HOUR + 10 * MINUTE });
    add({ type: 'page', userId: oldId, at: h - 3 * HOUR + 30 * MINUTE });
    add({ type: 'alias', userId: victim, previousId: oldId, at: h - 2 * HOUR + 30 * MINUTE });
    for (const at of [
      h - 3 * HOUR + 20 * MINUTE,
      h - 2 * HOUR + 20 * MINUTE,
      h - HOUR + 20 * MINUTE,
      h + 2 * MINUTE,
    ])
      add({ type: 'page', userId: victim, anonymousId: anon, at });
    add({ type: 'track', event: 'purchase', userId: victim, at: h - 2 * HOUR + 45 * MINUTE, amount: 75 });
    // Another user on the same device: their events carry the same anonymous id and stay.
    add({ type: 'page', userId: 'u-7', anonymousId: anon, at: h - 2 * HOUR + 40 * MINUTE });

    const isVictims = (e: Sent) =>
      e.userId === victim || e.userId === oldId || (e.userId === undefined && e.anonymousId === anon);
    const payload = (e: Sent) => ({
      messageId: e.messageId,
      type: e.type,
      timestamp: iso(e.at),
      ...(e.userId ? { userId: e.userId } : {}),
      ...(e.anonymousId ? { anonymousId: e.anonymousId } : {}),
      ...(e.previousId ? { previousId: e.previousId } : {}),
      ...(e.type === 'page' ? { name: 'home', properties: { path: '/home' } } : {}),
      ...(e.event ? { event: e.event } : {}),
      ...(e.amount ? { properties: { order_id: e.messageId, total_amount: e.amount, currency: 'EUR' } } : {}),
    });
    // And one quarantined event each from the user and from someone else (no event name).
    const quarantined = [
      { type: 'track', userId: victim, messageId: randomUUID() },
      { type: 'track', userId: 'u-1', messageId: randomUUID() },
    ];
    const res = await post([...sent.map(payload), ...quarantined]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: sent.length, quarantined: 2 });
    const victims = sent.filter(isVictims);
    const kept = sent.filter((e) => !isVictims(e));
    expect(victims.length).toBe(10);
    await waitFor(
      () => distinctEventsInLake(config.lake.root, project),
      (n) => n === sent.length,
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    // The batch worker, in its own process so it can be killed; hours h-3 and h-2 are sealed.
    let stderr = '';
    let worker = startRole(
      'worker',
      roleEnv(config, {
        PLATFORM_FAILPOINTS: 'erase-lake-file-rewritten',
        LOG_LEVEL: 'warn',
        ERASURE_DROP_LIST_REFRESH_MS: '500',
      }),
      'pipe',
    );
    worker.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      for (const hour of [h - 3 * HOUR, h - 2 * HOUR])
        await client.workflow.execute(WORKFLOW_TYPES.hourlyRecompute, {
          taskQueue: config.temporal.taskQueue,
          workflowId: `${project}-seal-${iso(hour)}`,
          args: [{ hour: iso(hour), advanceWatermark: true }],
        });

      const admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
      const api = async (method: string, path: string) => {
        const r = await fetch(`${roles.urls.api}${path}`, {
          method,
          headers: { authorization: `Bearer ${admin}` },
        });
        const text = await r.text();
        return {
          status: r.status,
          text,
          body: (r.headers.get('content-type')?.startsWith('application/json')
            ? JSON.parse(text)
            : text) as never,
        };
      };
      const range = `from=${iso(h - 3 * HOUR)}&to=${iso(h + HOUR)}`;
      const truthOf = (events: Sent[]) => {
        const perHour = new Map<string, number>();
        for (const e of events) {
          const k = iso(Math.floor(e.at / HOUR) * HOUR);
          perHour.set(k, (perHour.get(k) ?? 0) + 1);
        }
        const regs = new Map<number, number>();
        for (const e of events) {
          const r = hllRegister(actor(e));
          hllMerge(regs, [[r.reg, r.rank]]);
        }
        return {
          events: [...perHour.entries()].sort().map(([start, value]) => ({ start, value })),
          revenue: events.reduce((n, e) => n + (e.amount ?? 0), 0),
          active: Math.round(hllEstimate(regs)),
        };
      };
      const answers = async () => {
        const events = await api('GET', `/v1/metrics/events?${range}&granularity=hour`);
        const revenue = await api('GET', `/v1/metrics/revenue?${range}`);
        const active = await api('GET', `/v1/metrics/active_users?${range}`);
        const b = events.body as { buckets: { start: string; value: number }[]; parts: { source: string }[] };
        return {
          events: b.buckets?.map((x) => ({ start: x.start, value: x.value })),
          revenue: (revenue.body as { value: number }).value,
          active: (active.body as { value: number }).value,
          sources: b.parts?.map((p) => p.source),
        };
      };
      // Before: the answers hold the user (batch before the watermark, speed after).
      const before = truthOf(sent);
      await waitFor(answers, (a) => JSON.stringify({ ...a, sources: undefined }) === JSON.stringify(before), {
        timeoutMs: 60_000,
        intervalMs: 500,
      });
      expect((await answers()).sources).toEqual(['batch', 'speed']);

      // A copy of the lake as it was, to compare every file with afterwards.
      const lakeRoot = config.lake.root;
      const snapshot = mkdtempSync(join(tmpdir(), 'erase-before-'));
      cpSync(join(lakeRoot, 'events'), join(snapshot, 'events'), { recursive: true });
      cpSync(join(lakeRoot, 'quarantine'), join(snapshot, 'quarantine'), { recursive: true });
      const beforeFiles = parquetFiles(snapshot);

      // The export gives exactly the rows the erasure will remove: the shared device's other user's
      // event is not theirs.
      const exported = (await api('GET', `/v1/users/${encodeURIComponent(victim)}/export`)).text
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { eventId: string }).eventId)
        .sort();
      expect(exported).toEqual(victims.map((e) => e.messageId).sort());

      // The erasure, from the API; the worker is killed after the first file it rewrote.
      const started = await api('DELETE', `/v1/users/${encodeURIComponent(victim)}`);
      expect(started.status).toBe(202);
      const erasure = started.body as { id: string; workflowId: string; status: string };
      expect(erasure.status).toBe('running');
      const reached = await waitFor(
        async () => /failpoint erase-lake-file-rewritten reached/.test(stderr),
        (x) => x,
        { timeoutMs: 120_000, intervalMs: 50 },
      );
      expect(reached, stderr).toBe(true);
      worker.kill('SIGKILL');
      await exited(worker);
      worker = startRole('worker', roleEnv(config, { ERASURE_DROP_LIST_REFRESH_MS: '500' }));
      const removed = (await client.workflow.getHandle(erasure.workflowId).result()) as {
        lakeRows: number;
        lakeFiles: number;
        quarantineRows: number;
        speedRows: number;
        hoursRecomputed: string[];
      };

      // The lake: no row of theirs in any file; other files byte-identical; rewritten files hold
      // exactly their other rows, in order.
      const afterFiles = parquetFiles(lakeRoot).filter((f) => !f.startsWith('views/'));
      expect(afterFiles).toEqual(beforeFiles);
      const ids = { users: listValue([victim, oldId]), anons: listValue([anon, oldId]) };
      const types = { f: VARCHAR, users: LIST(VARCHAR), anons: LIST(VARCHAR) };
      const theirs = (f: string) =>
        f.startsWith('events/')
          ? `list_contains($users, user_id) OR (user_id IS NULL AND list_contains($anons, anonymous_id))`
          : `coalesce(list_contains($users, json_extract_string(raw, '$.userId')), false)
             OR coalesce(list_contains($anons, json_extract_string(raw, '$.anonymousId')), false)`;
      let rewritten = 0;
      for (const f of beforeFiles) {
        const count = async (file: string, where: string) =>
          Number(
            (
              await duck.runAndReadAll(
                `SELECT count(*) FROM read_parquet($f) WHERE ${where}`,
                { f: file, ...ids },
                types,
              )
            ).getRows()[0]?.[0],
          );
        expect(await count(join(lakeRoot, f), theirs(f)), f).toBe(0);
        if ((await count(join(snapshot, f), theirs(f))) === 0) {
          expect(sha(join(lakeRoot, f)), f).toBe(sha(join(snapshot, f)));
          continue;
        }
        rewritten++;
        const rows = async (file: string, where: string) =>
          (
            await duck.runAndReadAll(
              `SELECT * FROM read_parquet($f) WHERE ${where}`,
              { f: file, ...ids },
              types,
            )
          ).getRowsJson();
        // Every row now, in order, is a row of before that was not theirs.
        expect(await rows(join(lakeRoot, f), `NOT (${theirs(f)})`), f).toEqual(
          await rows(join(snapshot, f), `NOT (${theirs(f)})`),
        );
      }
      rmSync(snapshot, { recursive: true, force: true });
      expect(rewritten).toBeGreaterThanOrEqual(2);
      expect(removed.lakeFiles).toBe(rewritten);
      expect(removed.lakeRows).toBe(victims.length);
      expect(removed.quarantineRows).toBe(1);
      // Every event of theirs was in the speed view too (all within its horizon).
      expect(removed.speedRows).toBe(victims.length);
      expect(removed.hoursRecomputed).toEqual([iso(h - 3 * HOUR), iso(h - 2 * HOUR)]);
      // Every file of the lake, views included, scanned whole for their ids.
      for (const f of parquetFiles(lakeRoot)) {
        const hits = await duck.runAndReadAll(
          `SELECT count(*) FROM read_parquet($f) t WHERE contains(CAST(t AS VARCHAR), $a) OR contains(CAST(t AS VARCHAR), $b)`,
          { f: join(lakeRoot, f), a: victim, b: oldId },
        );
        expect(Number(hits.getRows()[0]?.[0]), f).toBe(0);
      }

      // The speed tables: none of their rows; the minute aggregates recomputed without them.
      const db = config.clickhouse.database;
      const speedRows = await ch.query({
        query: `SELECT count() AS n FROM {db:Identifier}.speed_events
                WHERE project_id = {p:String} AND (user_id IN {u:Array(String)} OR (isNull(user_id) AND anonymous_id = {a:String})
                  OR position(properties, {v:String}) > 0 OR position(context, {v:String}) > 0)`,
        query_params: { db, p: project, u: [victim, oldId], a: anon, v: victim },
        format: 'JSONEachRow',
      });
      expect(Number((await speedRows.json<{ n: string }>())[0]?.n)).toBe(0);
      const speedTotal = await ch.query({
        query: `SELECT count() AS n FROM {db:Identifier}.speed_events WHERE project_id = {p:String}`,
        query_params: { db, p: project },
        format: 'JSONEachRow',
      });
      expect(Number((await speedTotal.json<{ n: string }>())[0]?.n)).toBe(kept.length);

      // Every metric equals the truth without them, on both sides of the watermark.
      const after = truthOf(kept);
      const answered = await waitFor(
        answers,
        (a) => JSON.stringify({ ...a, sources: undefined }) === JSON.stringify(after),
        {
          timeoutMs: 30_000,
          intervalMs: 500,
        },
      );
      expect({ ...answered, sources: undefined }).toEqual({ ...after, sources: undefined });
      expect(answered.sources).toEqual(['batch', 'speed']);
      expect(after.revenue).toBe(20);

      // The audit entry: done, counts, nobody named; Temporal's history names nobody either.
      const audit = await api('GET', `/v1/erasures/${erasure.id}`);
      expect(audit.status).toBe(200);
      expect(audit.body).toMatchObject({ status: 'done', project, removed: { lakeRows: victims.length } });
      const metadata = await MetadataStore.open(config.metadata.url);
      try {
        const row = await metadata.query('SELECT * FROM erasures WHERE id = $1', [erasure.id]);
        const text = JSON.stringify(row.rows);
        for (const id of [victim, anon, oldId]) expect(text).not.toContain(id);
      } finally {
        await metadata.close();
      }
      const history = JSON.stringify(await client.workflow.getHandle(erasure.workflowId).fetchHistory());
      for (const id of [victim, anon, oldId]) expect(history).not.toContain(id);
      expect((await api('GET', `/v1/users/${encodeURIComponent(victim)}/export`)).text).toBe('');

      // New events of theirs are dropped at ingest (the answer says so); others' are kept.
      const late = [
        { type: 'page', userId: victim, messageId: randomUUID(), timestamp: iso(Date.now()) },
        { type: 'page', anonymousId: anon, messageId: randomUUID(), timestamp: iso(Date.now()) },
        { type: 'page', userId: 'u-0', messageId: randomUUID(), timestamp: iso(Date.now()) },
      ];
      const again = await post(late);
      expect(await again.json()).toMatchObject({ accepted: 1, dropped: 2 });
      await waitFor(
        () => distinctEventsInLake(config.lake.root, project),
        (n) => n === kept.length + 1,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const countSpeed = async (where: string, params: Record<string, unknown> = {}) => {
        const r = await ch.query({
          query: `SELECT count() AS n FROM {db:Identifier}.speed_events WHERE project_id = {p:String} AND ${where}`,
          query_params: { db, p: project, ...params },
          format: 'JSONEachRow',
        });
        return Number((await r.json<{ n: string }>())[0]?.n);
      };
      await waitFor(
        () => countSpeed('1'),
        (n) => n === kept.length + 1,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(
        await countSpeed('event_id IN {ids:Array(String)}', {
          ids: late.slice(0, 2).map((e) => e.messageId),
        }),
      ).toBe(0);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  }, 420_000);
});
