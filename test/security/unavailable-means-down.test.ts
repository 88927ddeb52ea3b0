import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { startKafka, stopKafka, type KafkaServiceOptions } from '../../infra/local/kafka/service';
import { basicAuth } from '../helpers/events';
import { freePort } from '../helpers/free-port';
import { isolatedConfig } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * 503 means "the event store is down, send it again later", and SDKs do just that, for ever. So
 * only a sink that is down may say it: a hostile batch (one that once answered
 * `503 event store unavailable` while the broker was up) is a 400 naming what is wrong, with the
 * broker up and with it down, and a good batch is 503 only while the broker is away. The broker
 * is this test's own (others share the main one).
 */
describe('a 503 only when the event store is down', () => {
  let broker: KafkaServiceOptions;
  let config: Config;
  let roles: RunningRoles;
  let writeKey: string;

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${roles.urls.ingest}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey), ...headers },
      body,
    }).then(async (res) => ({
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      text: await res.text(),
    }));
  const good = () =>
    JSON.stringify({ batch: [{ type: 'track', event: 'ok', userId: 'u', messageId: randomUUID() }] });
  const deep = (n: number) =>
    `{"batch":[{"type":"track","event":"e","userId":"u","messageId":"deep","properties":{"a":${'['.repeat(n)}${']'.repeat(n)}}}]}`;
  /** Each hostile body, and what its refusal must name. */
  const hostile: [string, () => Promise<Awaited<ReturnType<typeof post>>>, RegExp][] = [
    ['an event nesting 100,000 arrays', () => post(deep(100_000)), /deep/],
    [
      'an event nesting 1,000 objects',
      () => post(`{"batch":[${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}]}`),
      /deep/,
    ],
    ['a body that is not JSON', () => post('{"batch":[{"type":'), /JSON/i],
    ['a batch that is not a list', () => post('{"batch":{"type":"track"}}'), /batch/],
    [
      'gzip that is not gzip',
      () => post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }),
      /gzip/i,
    ],
  ];

  beforeAll(async () => {
    broker = {
      port: await freePort(),
      controllerPort: await freePort(),
      heap: '512m',
      dir: mkdtempSync(join(tmpdir(), 'unavailable-broker-')),
    };
    await startKafka(broker);
    config = isolatedConfig('unavailable', {
      KAFKA_BROKERS: `localhost:${broker.port}`,
      INGEST_ACK_TIMEOUT_MS: '2000',
      KAFKA_PARTITIONS: '1',
    });
    writeKey = await createWriteKey(config, 'shop');
    roles = await startRoles(['ingest'], config, createLogger({ test: 'unavailable' }, 'error'));
  }, 120_000);

  afterAll(async () => {
    await roles?.stop();
    await stopKafka({ dir: broker.dir, signal: 'SIGKILL' });
  });

  it('with the broker up: each hostile batch is a 400 naming what is wrong; a good one is taken', async () => {
    expect((await post(good())).status).toBe(200);
    for (const [what, send, names] of hostile) {
      const r = await send();
      expect(r.status, `${what}: ${r.text}`).toBe(400);
      expect(r.text, what).toMatch(names);
    }
    expect((await post(good())).status).toBe(200);
  }, 60_000);

  it('with the broker down: a good batch is a 503 with Retry-After, a hostile one still a 400', async () => {
    await stopKafka({ dir: broker.dir, signal: 'SIGKILL' });
    const down = await waitFor(
      () => post(good()),
      (r) => r.status === 503,
      { timeoutMs: 60_000 },
    );
    expect(down.retryAfter).toBeTruthy();
    for (const [what, send] of hostile) expect((await send()).status, what).toBe(400);
    await startKafka(broker);
    const back = await waitFor(
      () => post(good()),
      (r) => r.status === 200,
      { timeoutMs: 90_000 },
    );
    expect(back.status).toBe(200);
  }, 240_000);
});
