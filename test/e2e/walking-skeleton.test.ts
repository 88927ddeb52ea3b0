import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import type { HourlyRecomputeResult } from '../../workflows/types';
import { basicAuth, trackCall } from '../helpers/events';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * The walking skeleton, real at every hop: HTTP ingest -> Kafka -> speed consumer -> chDB ->
 * serving API; and Kafka -> lake archiver -> Parquet -> DuckDB inside a Temporal workflow run on
 * the real dev server.
 */
describe('walking skeleton', () => {
  let config: Config;
  let roles: RunningRoles;
  let writeKey: string;
  let token: string;
  const log = createLogger({ test: 'walking-skeleton' }, 'warn');

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('skeleton');
    writeKey = await createWriteKey(config, 'acme');
    token = await mintToken(config.auth.jwtSecret, { project: 'acme', scopes: ['read'] });
    roles = await startRoles(['ingest', 'speed', 'archiver', 'serve', 'worker'], config, log);
  });

  afterAll(async () => {
    await roles?.stop();
  });

  it('counts every accepted event in the speed view and, through a workflow, in the lake', async () => {
    // Fixed event hour an hour ago, so the recompute below covers exactly these events.
    const hourStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
    const at = (i: number) => new Date(hourStart.getTime() + 1000 + i * 1000).toISOString();
    // sentAt is the client's clock at send time: event time = receivedAt - (sentAt - timestamp).
    const valid = Array.from({ length: 120 }, (_, i) => trackCall({ timestamp: at(i), sentAt: undefined }));
    const invalid = [
      { type: 'track', userId: 'u1' },
      { type: 'nonsense', userId: 'u2' },
    ];
    const batches = [valid.slice(0, 60), [...valid.slice(60), ...invalid]];

    for (const batch of batches) {
      const res = await fetch(`${roles.urls.ingest}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ success: true });
    }

    // Speed view through the serving API.
    const from = new Date(hourStart.getTime()).toISOString();
    const to = new Date(hourStart.getTime() + 3_600_000).toISOString();
    const metric = await waitFor(
      async () => {
        const res = await fetch(`${roles.urls.api}/v1/metrics/events_count?from=${from}&to=${to}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return (await res.json()) as { value: number; source: string };
      },
      (m) => m.value >= valid.length,
    );
    expect(metric).toMatchObject({ value: valid.length, source: 'speed' });

    // Batch path: the archiver writes Parquet; a Temporal workflow counts it with DuckDB.
    const connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    try {
      const result = await waitFor(
        () =>
          client.workflow.execute<(i: { hour: string }) => Promise<HourlyRecomputeResult>>(
            WORKFLOW_TYPES.hourlyRecompute,
            {
              taskQueue: config.temporal.taskQueue,
              workflowId: `skeleton-${hourStart.toISOString()}-${Date.now()}`,
              args: [{ hour: hourStart.toISOString() }],
            },
          ),
        (r) => r.events >= valid.length,
        { intervalMs: 1000 },
      );
      expect(result.events).toBe(valid.length);
      expect(result.hour).toBe(hourStart.toISOString());
    } finally {
      await connection.close();
    }
  });

  it('answers 401 to an unknown write key and to a query without a token', async () => {
    const ingest = await fetch(`${roles.urls.ingest}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth('wk_nope') },
      body: JSON.stringify({ batch: [trackCall()] }),
    });
    expect(ingest.status).toBe(401);
    const api = await fetch(`${roles.urls.api}/v1/metrics/events_count`);
    expect(api.status).toBe(401);
  });
});
