import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { basicAuth, trackCall } from '../helpers/events';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

interface Snapshot {
  type: 'snapshot';
  project: string;
  eventsPerMinute: { minute: string; count: number }[];
  activeUsers: number;
}

/** A WebSocket client of the live feed that keeps every snapshot it receives. */
function liveClient(url: string, headers: Record<string, string>) {
  const received: Snapshot[] = [];
  const ws = new WebSocket(url, { headers });
  ws.on('message', (m: Buffer) => received.push(JSON.parse(m.toString()) as Snapshot));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, received, opened };
}

const total = (s: Snapshot | undefined) => (s?.eventsPerMinute ?? []).reduce((a, m) => a + m.count, 0);

/** The overview's WebSocket feed against the real stack: ingest -> Kafka -> speed view -> feed. */
describe('the live feed', () => {
  let config: Config;
  let roles: RunningRoles;
  let live: string;
  const tokens: Record<string, string> = {};
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('live', {
      LIVE_INTERVAL_MS: '5',
      LIVE_MAX_BUFFERED_BYTES: '65536',
      LIVE_PING_MS: '500',
    });
    for (const p of ['live-a', 'live-b']) {
      tokens[p] = await mintToken(config.auth.jwtSecret, { project: p, scopes: ['read'] });
      keys[p] = await createWriteKey(config, p);
    }
    roles = await startRoles(['ingest', 'speed', 'serve'], config, createLogger({ test: 'live' }, 'error'));
    live = `${(roles.urls.api as string).replace('http', 'ws')}/v1/live`;
  }, 120_000);
  // Stopping the role with a client still connected ends its connection, without waiting on it.
  afterAll(async () => {
    const open = liveClient(live, { authorization: `Bearer ${tokens['live-b']}` });
    await open.opened;
    const closed = new Promise<number>((resolve) => open.ws.once('close', (code) => resolve(code)));
    await roles?.stop();
    expect(await closed).toBeGreaterThan(0);
  }, 60_000);

  const send = async (project: string, n: number) => {
    const res = await fetch(`${roles.urls.ingest}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(keys[project] as string) },
      body: JSON.stringify({
        batch: Array.from({ length: n }, (_, i) =>
          trackCall({ userId: `u${i % 7}`, timestamp: new Date().toISOString() }),
        ),
      }),
    });
    expect(res.status).toBe(200);
  };

  it('refuses a connection without a token or session', async () => {
    await expect(liveClient(live, {}).opened).rejects.toThrow('HTTP 401');
    await expect(liveClient(live, { authorization: 'Bearer forged' }).opened).rejects.toThrow('HTTP 401');
  });

  it("streams its project's events as they arrive, and nothing of another project's", async () => {
    const a = liveClient(live, { authorization: `Bearer ${tokens['live-a']}` });
    const b = liveClient(live, { authorization: `Bearer ${tokens['live-b']}` });
    await Promise.all([a.opened, b.opened]);
    await send('live-a', 40);
    // Events per minute come from the speed view's measures, active persons from its events (one
    // person per user here): both written by the same range, read by two queries.
    const seen = await waitFor(
      async () => a.received[a.received.length - 1],
      (s) => total(s) === 40 && s?.activeUsers === 7,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expect(total(seen)).toBe(40);
    expect(seen?.project).toBe('live-a');
    expect(seen?.activeUsers).toBe(7);
    // b's feed kept flowing, and never showed a's events.
    expect(b.received.length).toBeGreaterThan(1);
    expect(b.received.every((s) => s.project === 'live-b' && total(s) === 0)).toBe(true);
    a.ws.close();
    b.ws.close();
  }, 90_000);

  it('drops a client that does not read, while the others keep receiving', async () => {
    const fast = liveClient(live, { authorization: `Bearer ${tokens['live-a']}` });
    await fast.opened;
    const port = new URL(live).port;
    const verdict = await new Promise<string>((resolve, reject) =>
      execFile(
        'python3',
        [
          join(__dirname, 'slow-ws-client.py'),
          '127.0.0.1',
          port,
          '/v1/live',
          tokens['live-a'] as string,
          '10',
        ],
        { encoding: 'utf8', timeout: 90_000 },
        (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout.trim())),
      ),
    );
    expect(verdict).toBe('closed');
    const before = fast.received.length;
    await waitFor(
      async () => fast.received.length,
      (n) => n > before + 5,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(fast.received.length).toBeGreaterThan(before + 5);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    fast.ws.close();
  }, 120_000);
});
