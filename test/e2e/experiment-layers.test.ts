import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { assignUser } from '../../core/experiments/assignment';
import { expectResultsOfTruth, type TruthUser } from '../helpers/experiment-truth';
import { HOUR, startLateStack } from '../helpers/late-stack';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { connectSdk } from '../helpers/segment-sdk';

const MINUTE = 60_000;

/**
 * An experiment whose users were exposed and bought before the batch watermark (read from the
 * lake) and bought again after it (read from the speed view): every user counted once, each
 * purchase once, the answer equal to the truth of the generated events.
 */
describe('experiment results across the watermark', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  // A project of this run: the metadata store (experiments) outlives test runs.
  const project = `explayers${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('reads the lake before the watermark and the speed view after it, counting no user twice', async () => {
    const now = Date.now();
    const hourNow = Math.floor(now / HOUR) * HOUR;
    const token = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['admin'] });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${s.urls.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const definition = {
      id: 'layers',
      variations: [
        { id: 'a', weight: 0.5 },
        { id: 'b', weight: 0.5 },
      ],
      start: new Date(hourNow - 3 * HOUR).toISOString(),
      goals: [{ kind: 'conversion', event: 'purchase' }],
      guardrails: [{ kind: 'mean', metric: 'revenue' }],
      conversionWindowHours: 4,
    };
    expect((await api('POST', '/v1/experiments', definition)).status).toBe(201);

    const { analytics, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const purchase = (userId: string, id: string, amount: number, at: number) =>
      analytics.track({
        userId,
        event: 'purchase',
        properties: { order_id: id, total_amount: amount, currency: 'EUR' },
        timestamp: new Date(at),
      });
    // After the watermark (the start of this hour), before now.
    const afterWatermark = hourNow + Math.floor((now - hourNow) / 2);
    const truth = new Map<string, TruthUser>();
    let x = 11;
    const rnd = () => (x = (x * 48271) % 2147483647) / 2147483647;
    let sent = 0;
    for (let i = 0; i < 240; i++) {
      const userId = `u-${i}`;
      const a = assignUser({ ...definition, coverage: 1 }, userId);
      const exposedAt = hourNow - 150 * MINUTE + i * 20_000;
      const t: TruthUser = { v: a.variationIndex, converted: false, post: 0, pre: 0 };
      analytics.track({
        userId,
        event: 'Experiment Viewed',
        properties: { experiment_id: 'layers', variation_id: a.variationId },
        timestamp: new Date(exposedAt),
      });
      sent++;
      if (rnd() < 0.3) {
        const amount = Math.round(rnd() * 4000) / 100;
        t.pre += amount;
        purchase(userId, `pre-${i}`, amount, exposedAt - 10 * MINUTE);
        sent++;
      }
      // Before the watermark (in the lake), after it (in the speed view), or both: one conversion.
      if (rnd() < (a.variationIndex === 1 ? 0.3 : 0.2)) {
        const amount = Math.round((10 + rnd() * 50) * 100) / 100;
        Object.assign(t, { converted: true, post: t.post + amount });
        purchase(userId, `before-${i}`, amount, exposedAt + 20 * MINUTE);
        sent++;
      }
      if (rnd() < 0.25) {
        const amount = Math.round((10 + rnd() * 50) * 100) / 100;
        Object.assign(t, { converted: true, post: t.post + amount });
        purchase(userId, `after-${i}`, amount, afterWatermark);
        sent++;
      }
      truth.set(userId, t);
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);
    // Every event archived in the lake, then the last whole hour sealed: the watermark is this hour's start.
    await waitFor(s.inLake, (n) => n === sent, { timeoutMs: 120_000, intervalMs: 500 });
    await s.seal(hourNow - HOUR);

    const users = [0, 1].map((v) => [...truth.values()].filter((t) => t.v === v));
    const answer = await waitFor(
      () => api('GET', '/v1/experiments/layers/results'),
      (r) =>
        (r.body.metrics as { variations: { total: number }[] }[] | undefined)?.[1]?.variations
          .reduce((sum, v) => sum + v.total, 0)
          .toFixed(2) === [...truth.values()].reduce((sum, t) => sum + t.post, 0).toFixed(2),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const body = answer.body as unknown as {
      watermark: string;
      parts: { source: string; from: string; to: string }[];
      variations: { users: number }[];
      metrics: {
        variations: { users: number; total: number }[];
        comparisons: { frequentist: unknown; bayesian: unknown }[];
      }[];
    };
    // Both layers answered, split at the watermark.
    expect(body.watermark).toBe(new Date(hourNow).toISOString());
    expect(body.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(body.parts[0]?.to).toBe(new Date(hourNow).toISOString());
    expect(body.variations.map((v) => v.users)).toEqual(users.map((u) => u.length));
    expect(body.metrics[0]?.variations.map((v) => v.total)).toEqual(
      users.map((u) => u.filter((t) => t.converted).length),
    );
    expectResultsOfTruth(body.metrics, users);
  }, 300_000);
});
