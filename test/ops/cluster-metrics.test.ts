import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import { parsePromText } from '../../core/ops/prometheus-text';
import { REPO_ROOT } from '../../infra/local/paths';
import { exited, roleEnv } from '../helpers/child-role';
import { freePort } from '../helpers/free-port';
import { knownWriteKey } from '../helpers/segment-sdk';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * `./platform run ingest --workers 2`: the workers share the collector's port and the primary
 * serves their metrics, summed, on its ops port; the counts equal what the workers acknowledged.
 */
describe('ingest with --workers 2', () => {
  let config: Config;
  let child: ReturnType<typeof spawn>;
  let ingest = '';
  let ops = '';
  const project = `cluster${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('cluster-metrics');
    const [ingestPort, opsPort] = [await freePort(), await freePort()];
    ingest = `http://127.0.0.1:${ingestPort}`;
    ops = `http://127.0.0.1:${opsPort}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', 'ingest', '--workers', '2'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...roleEnv(config, {
          INGEST_PORT: String(ingestPort),
          OPS_PORT: String(opsPort),
          INGEST_HOST: '127.0.0.1',
        }),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(
      () =>
        fetch(`${ingest}/health`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 90_000);
  afterAll(async () => {
    child?.kill('SIGTERM');
    if (child) await exited(child);
  });

  it("sums the workers' counters on the primary's ops port", async () => {
    const { writeKey } = await knownWriteKey(config, ingest, project);
    // Many small requests, each on a new connection: the primary hands connections to the workers
    // in turn, so both take some.
    const post = (batch: unknown[]) =>
      new Promise<{ status: number; json: () => Promise<unknown> }>((resolve, reject) => {
        const body = JSON.stringify({ batch });
        const req = request(
          `${ingest}/v1/batch`,
          {
            method: 'POST',
            agent: false,
            headers: {
              authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(text) as unknown }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    // Each worker reads new keys every 2 s on its own: wait until ten requests in a row, on new
    // connections (so both workers answer some), know the key.
    let known = 0;
    await waitFor(
      async () => {
        known = (await post([])).status === 401 ? 0 : known + 1;
        return known;
      },
      (n) => n >= 10,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    let accepted = 0;
    let quarantined = 0;
    for (let i = 0; i < 40; i++) {
      const batch = [
        { type: 'track', event: 'page_view', userId: `u${i}`, messageId: randomUUID() },
        ...(i % 4 === 0 ? [{ type: 'track', userId: `u${i}`, messageId: randomUUID() }] : []),
      ];
      const r = await post(batch);
      expect(r.status).toBe(200);
      const body = (await r.json()) as { accepted: number; quarantined: number };
      accepted += body.accepted;
      quarantined += body.quarantined;
    }
    expect([accepted, quarantined]).toEqual([40, 10]);
    const samples = parsePromText(await (await fetch(`${ops}/metrics`)).text());
    const value = (name: string, labels: Record<string, string>) =>
      samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((n, s) => n + s.value, 0);
    expect(value('ingest_events_total', { project, outcome: 'accepted' })).toBe(40);
    expect(value('ingest_events_total', { project, outcome: 'quarantined' })).toBe(10);
    expect(value('ingest_quarantined_events_total', { project })).toBe(10);
    expect(value('ingest_requests_total', { route: '/v1/batch', status: '200' })).toBeGreaterThanOrEqual(40);
  }, 60_000);
});
