import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import { assignUser } from '../../core/experiments/assignment';
import { sampleRatioMismatch } from '../../core/experiments/stats/hypothesis-tests';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { expectResultsOfTruth } from '../helpers/experiment-truth';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { screenshot, withPage } from '../helpers/browser';

const MINUTE = 60_000;

/**
 * An experiment's results through the whole stack: exposures and purchases sent with a Segment
 * SDK (Segment's `Experiment Viewed` and PostHog's `$feature_flag_called`), a known uplift, a
 * deliberately broken split and users shown both variations; the API's answer equals the truth
 * computed here from the generated events.
 */
describe('experiment results', () => {
  let config: Config;
  let roles: RunningRoles;
  const run = Date.now().toString(36);
  const project = `expres-${run}`;
  let token: string;
  let writeKey: string;
  const now = Date.now();
  const definition = {
    id: 'checkout',
    variations: [
      { id: 'control', weight: 0.5 },
      { id: 'one-page', weight: 0.5 },
    ],
    start: new Date(now - 3 * 60 * MINUTE).toISOString(),
    goals: [{ kind: 'conversion', event: 'purchase' }],
    guardrails: [{ kind: 'mean', metric: 'revenue' }],
    conversionWindowHours: 1,
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('experiment-results');
    writeKey = await createWriteKey(config, project);
    token = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
    roles = await startRoles(
      ['ingest', 'speed', 'serve'],
      config,
      createLogger({ test: 'experiments' }, 'error'),
    );
  }, 120_000);
  afterAll(async () => roles?.stop());

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${roles.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('equal the truth of the generated events, flag the broken split, and leave out users shown both variations', async () => {
    expect((await api('POST', '/v1/experiments', definition)).status).toBe(201);
    const analytics = new Analytics({ writeKey, host: roles.urls.ingest, flushAt: 100, flushInterval: 50 });
    const failures: unknown[] = [];
    analytics.on('error', (e) => failures.push(e));
    // The truth, per user of the experiment: variation, converted, revenue after and before exposure.
    const truth = new Map<string, { v: number; post: number; pre: number; converted: boolean }>();
    let x = 7;
    const rnd = () => (x = (x * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 600; i++) {
      const userId = `u-${i}`;
      const a = assignUser({ ...definition, coverage: 1 }, userId);
      const exposedAt = now - 170 * MINUTE + i * 5_000;
      // The broken split: 40% of the second variation's users never reach the exposure.
      if (a.variationIndex === 1 && rnd() < 0.4) continue;
      const exposure =
        i % 2 === 0
          ? {
              event: 'Experiment Viewed',
              properties: { experiment_id: 'checkout', variation_id: a.variationId },
            }
          : {
              event: '$feature_flag_called',
              properties: { $feature_flag: 'checkout', $feature_flag_response: a.variationId },
            };
      analytics.track({ userId, ...exposure, timestamp: new Date(exposedAt) });
      // A second exposure to the same variation changes nothing.
      if (i % 7 === 0) analytics.track({ userId, ...exposure, timestamp: new Date(exposedAt + MINUTE) });
      const t = { v: a.variationIndex, post: 0, pre: 0, converted: false };
      // Purchases before exposure (CUPED's covariate), after it (the known uplift), and after the window.
      if (rnd() < 0.3) {
        const amount = Math.round(rnd() * 5000) / 100;
        t.pre += amount;
        analytics.track({
          userId,
          event: 'purchase',
          properties: { order_id: `pre-${i}`, total_amount: amount, currency: 'EUR' },
          timestamp: new Date(exposedAt - 20 * MINUTE),
        });
      }
      if (rnd() < (a.variationIndex === 1 ? 0.35 : 0.2)) {
        const amount = Math.round((20 + rnd() * 80) * 100) / 100;
        t.post += amount;
        t.converted = true;
        analytics.track({
          userId,
          event: 'purchase',
          properties: { order_id: `post-${i}`, total_amount: amount, currency: 'EUR' },
          timestamp: new Date(exposedAt + 30 * MINUTE),
        });
      }
      if (rnd() < 0.2)
        analytics.track({
          userId,
          event: 'purchase',
          properties: { order_id: `late-${i}`, total_amount: 10, currency: 'EUR' },
          timestamp: new Date(exposedAt + 61 * MINUTE),
        });
      truth.set(userId, t);
    }
    // Users shown both variations: left out. Purchases of users never exposed: not counted.
    for (let i = 0; i < 5; i++) {
      for (const v of ['control', 'one-page'])
        analytics.track({
          userId: `both-${i}`,
          event: 'Experiment Viewed',
          properties: { experiment_id: 'checkout', variation_id: v },
          timestamp: new Date(now - 100 * MINUTE),
        });
      analytics.track({
        userId: `both-${i}`,
        event: 'purchase',
        properties: { order_id: `both-${i}`, total_amount: 99, currency: 'EUR' },
        timestamp: new Date(now - 90 * MINUTE),
      });
      analytics.track({
        userId: `never-${i}`,
        event: 'purchase',
        properties: { order_id: `never-${i}`, total_amount: 99, currency: 'EUR' },
        timestamp: new Date(now - 90 * MINUTE),
      });
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);

    const users = [0, 1].map((v) => [...truth.values()].filter((t) => t.v === v));
    const answer = await waitFor(
      () => api('GET', '/v1/experiments/checkout/results'),
      (r) =>
        JSON.stringify((r.body.variations as { users: number }[] | undefined)?.map((v) => v.users)) ===
          JSON.stringify(users.map((u) => u.length)) &&
        (r.body.metrics as { variations: { total: number }[] }[])[0]?.variations.reduce(
          (s, v) => s + v.total,
          0,
        ) === [...truth.values()].filter((t) => t.converted).length,
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const body = answer.body as unknown as {
      excluded: { multipleVariations: number };
      srm: { pValue: number; flagged: boolean };
      metrics: {
        variations: { users: number; total: number }[];
        comparisons: { frequentist: unknown; bayesian: unknown }[];
      }[];
    };
    expect(body.excluded.multipleVariations).toBe(5);
    expect(body.srm.flagged).toBe(true);
    expect(body.srm.pValue).toBeCloseTo(
      sampleRatioMismatch(
        users.map((u) => u.length),
        [0.5, 0.5],
      ),
      12,
    );

    // The statistics of the truth's aggregates, CUPED with the pre-exposure purchases.
    expectResultsOfTruth(body.metrics, users);
    // The known uplift shows: purchases convert better in the second variation.
    expect((body.metrics[0]?.comparisons[0]?.frequentist as { expected: number }).expected).toBeGreaterThan(
      0,
    );

    // The same metrics as saved insights (buyers: unique persons, a conversion; euro revenue: a
    // sum per person): the same aggregates and statistics.
    for (const insight of [
      { id: 'buyers', events: ['purchase'], measure: { kind: 'unique_persons' } },
      {
        id: 'euro-revenue',
        events: ['purchase'],
        measure: { kind: 'sum', property: 'property.total_amount' },
        filters: { property: 'property.currency', op: 'equals', value: 'EUR' },
      },
      {
        id: 'p90-order',
        events: ['purchase'],
        measure: { kind: 'percentile', property: 'property.total_amount', p: 90 },
      },
    ])
      expect((await api('POST', '/v1/insights', insight)).status).toBe(201);
    const asInsights = {
      ...definition,
      goals: [{ kind: 'insight', insight: 'buyers' }],
      guardrails: [{ kind: 'insight', insight: 'euro-revenue' }],
    };
    expect((await api('PUT', '/v1/experiments/checkout', asInsights)).status).toBe(200);
    const viaInsights = await api('GET', '/v1/experiments/checkout/results');
    expect(viaInsights.status).toBe(200);
    // Equal but for the order sums were added in (the insight's events are read by another scan):
    // every number to 9 significant digits.
    const strip = (ms: unknown) =>
      (ms as Record<string, unknown>[]).map(({ metric: _, ...rest }) =>
        JSON.parse(
          JSON.stringify(rest, (_k, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(9)) : x)),
        ),
      );
    expect(strip(viaInsights.body.metrics)).toEqual(strip(body.metrics));
    // A percentile has no value per person: refused, saying what an experiment metric can be.
    expect(
      (
        await api('PUT', '/v1/experiments/checkout', {
          ...asInsights,
          guardrails: [{ kind: 'insight', insight: 'p90-order' }],
        })
      ).status,
    ).toBe(200);
    const refused = await api('GET', '/v1/experiments/checkout/results');
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toMatch(
      /measures percentile: an experiment metric is a count, a sum or unique persons/,
    );
    expect((await api('PUT', '/v1/experiments/checkout', definition)).status).toBe(200);
  }, 180_000);

  it('shows in the web app as the API answers it, the mismatch flagged', async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['admin'] }, roles.urls.api));
      await page.goto(`${roles.urls.api}/experiments?id=checkout`);
      await page.waitForSelector('[data-testid=experiment-users] tr:nth-child(2)');
      const shown = await page.$$eval('[data-testid=experiment-users] tr', (trs) =>
        trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
      const api = (await (
        await fetch(`${roles.urls.api}/v1/experiments/checkout/results`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { variations: { id: string; weight: number; users: number; persons: string[] }[] };
      expect(shown).toEqual(api.variations.map((v) => [v.id, String(v.weight), String(v.users)]));
      // The first persons exposed to each variation, each a link to their person.
      const links = await page.$$eval('[data-testid=experiment-persons] a', (as) =>
        as.map((a) => a.getAttribute('href')),
      );
      const named = api.variations.flatMap((v) => v.persons);
      expect(named.length).toBeGreaterThan(0);
      expect(links).toEqual(named.map((n) => `/person?id=${encodeURIComponent(n)}`));
      expect(await page.textContent('[data-testid=srm]')).toMatch(/^Sample ratio mismatch/);
      expect(await page.$$('[data-testid=experiment-metric]')).toHaveLength(2);
      await screenshot(page, 'web-experiments.png');
      expect(problems).toEqual([]);
    });
  }, 60_000);
});
