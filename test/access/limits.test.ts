import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const LIMIT = 120;

/**
 * One client hammering the API at 20 times its rate meets 429s with Retry-After; another client
 * of the same project, asking at a person's pace meanwhile, is answered every time. (How long the
 * other's answers take beside the hammering is measured by bench/api-limits, not asserted here.)
 */
describe('rate limits per token', () => {
  let config: Config;
  let roles: RunningRoles;
  const project = `limits-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('limits', {
      API_RATE_PER_MINUTE: String(LIMIT),
      API_HEAVY_CONCURRENCY: '1',
      API_QUERY_TIMEOUT_MS: '5000',
    });
    roles = await startRoles(['serve'], config, createLogger({ test: 'limits' }, 'error'));
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('the abusive token gets 429s with Retry-After; the other token of the project gets every answer', async () => {
    const [abuser, other] = await Promise.all(
      ['abuser', 'other'].map(() => mintToken(config.auth.jwtSecret, { project, role: 'viewer' })),
    );
    const ask = async (token: string) => {
      const res = await fetch(`${roles.urls.api}/v1/metrics/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    };
    const started = Date.now();
    const hammered: { status: number; retryAfter: string | null }[] = [];
    let next = 0;
    const hammer = async () => {
      while (next < LIMIT * 20) {
        next++;
        hammered.push(await ask(abuser as string));
      }
    };
    const calm: number[] = [];
    const person = async () => {
      for (let i = 0; i < 20; i++) {
        calm.push((await ask(other as string)).status);
        // Twice its rate while it asks, within its burst of ten seconds' worth.
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await Promise.all([...Array.from({ length: 8 }, hammer), person()]);
    const seconds = (Date.now() - started) / 1000;

    const refused = hammered.filter((r) => r.status === 429);
    const answered = hammered.filter((r) => r.status === 200);
    expect(hammered.length).toBe(LIMIT * 20);
    expect(answered.length + refused.length).toBe(hammered.length);
    // The burst (ten seconds of its rate) and what refilled while it ran, and not one more.
    expect(answered.length).toBeLessThanOrEqual(
      Math.max(10, LIMIT / 6) + Math.ceil((seconds * LIMIT) / 60) + 1,
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(calm).toEqual(Array.from({ length: 20 }, () => 200));
  }, 300_000);

  it('clients that leave while they wait for a turn on the engines give it back: the next query is answered', async () => {
    // A token per round, each within its rate: the project's turns are what is watched.
    const token = () => mintToken(config.auth.jwtSecret, { project: `${project}-left`, role: 'viewer' });
    const ask = async (bearer: string, signal?: AbortSignal) =>
      fetch(`${roles.urls.api}/v1/metrics/events?granularity=minute`, {
        headers: { authorization: `Bearer ${bearer}` },
        ...(signal ? { signal } : {}),
      });
    // One turn per project here: most of these wait for it, and all of them are abandoned.
    for (let round = 0; round < 5; round++) {
      const abort = new AbortController();
      const bearer = await token();
      const left = Array.from({ length: 6 }, () => ask(bearer, abort.signal).catch(() => undefined));
      await new Promise((r) => setTimeout(r, 20));
      abort.abort();
      await Promise.all(left);
    }
    // Had a turn leaked, these would wait out the budget and be refused (503).
    const last = await token();
    for (let i = 0; i < 3; i++) {
      const res = await ask(last);
      expect(res.status, await res.text()).toBe(200);
    }
  }, 120_000);
});
