import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/** An answer bigger than API_MAX_ANSWER_BYTES is refused whole, saying how to ask for less. */
describe('answer size', () => {
  let config: Config;
  let roles: RunningRoles;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('answer-size', { API_MAX_ANSWER_BYTES: '2048' });
    roles = await startRoles(['serve'], config, createLogger({ test: 'answer-size' }, 'error'));
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('refuses the catalog (larger than the limit) with a 400 naming the limit; a small answer passes', async () => {
    const token = await mintToken(config.auth.jwtSecret, { project: 'sizes', role: 'viewer' });
    const ask = (path: string) =>
      fetch(`${roles.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const big = await ask('/v1/metrics');
    expect(big.status).toBe(400);
    const body = (await big.json()) as { message: string };
    expect(body.message).toMatch(
      /^the answer would be \d+ bytes, over the 2048 bytes limit \(API_MAX_ANSWER_BYTES\)/,
    );
    const small = await ask('/v1/me');
    expect(small.status).toBe(200);
    expect(((await small.json()) as { project: string }).project).toBe('sizes');
  });
});
