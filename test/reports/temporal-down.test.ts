import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { INestApplication } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import { startServingApi } from '../../serving-layer/server';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { freePort } from '../helpers/free-port';
import { isolatedConfig } from '../helpers/test-config';

/** Reports live in Temporal: while it is unreachable the report routes say so (503), the rest answers. */
describe('report routes while Temporal is down', () => {
  let app: INestApplication;
  let url: string;
  let clickhouse: ClickHouseClient;
  let token: string;
  let address: string;

  beforeAll(async () => {
    address = `127.0.0.1:${await freePort()}`; // nothing listens there
    const config = isolatedConfig('reports-down', { TEMPORAL_ADDRESS: address });
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    ({ app, url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 }));
    token = await mintToken(config.auth.jwtSecret, { project: 'p', scopes: ['admin'] });
  });
  afterAll(async () => {
    await app?.close();
    await clickhouse?.close();
  });

  it('answers 503 naming Temporal, and still validates and serves queries', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = { name: 'R', metrics: ['events'], period: 'daily', recipients: ['a@example.com'] };
    const res = await fetch(`${url}/v1/reports`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toContain(
      `Temporal at ${address} did not answer`,
    );
    const bad = await fetch(`${url}/v1/reports`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...body, period: 'hourly' }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${url}/v1/metrics/events`, { headers })).status).toBe(200);
  });
});
