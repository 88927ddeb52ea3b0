import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { createLogger } from '../../core/log';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { screenshot, withPage } from '../helpers/browser';
import { seedViews } from '../helpers/seed-views';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The explorer's forms in Chromium: an insight built from fields (a sum of a property, a filter on
 * a dimension, a split) answers what the events say and is stored as the fields said, with its
 * SQL-free definition shown; paths after a page are drawn as a Sankey with their table; a funnel
 * with an excluded event and a breakdown shows each group's persons and who was left out.
 */
describe('the insights, paths and funnel forms of the web app', () => {
  let config: Config;
  let roles: RunningRoles;
  let clickhouse: ClickHouseClient;
  const project = `explore-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('explorer-forms');
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const events: AnalyticsEvent[] = [];
    const add = (u: number, type: 'page' | 'track', event: string, at: number, properties = {}) => {
      const time = new Date(at).toISOString();
      events.push({
        eventId: `${u}-${event}-${at}`,
        projectId: project,
        type,
        event,
        userId: `u-${u}`,
        anonymousId: null,
        timestamp: time,
        originalTimestamp: time,
        sentAt: time,
        receivedAt: time,
        properties,
        context: { location: { country: u % 2 === 0 ? 'FR' : 'DE' } },
        schema: null,
      });
    };
    for (let u = 0; u < 12; u++) {
      const visit = hour - 40 * MINUTE + u * 1000;
      add(u, 'page', 'page', visit, { path: '/pricing' });
      if (u % 3 === 0) add(u, 'page', 'page', visit + MINUTE, { path: '/signup' });
      if (u % 3 === 1) add(u, 'page', 'page', visit + MINUTE, { path: '/docs' });
      add(u, 'track', 'purchase', hour - 30 * MINUTE + u * 1000, {
        order_id: `o-${u}`,
        total_amount: 10 + u,
        currency: 'EUR',
      });
      if (u % 2 === 0) {
        add(u, 'track', 'trial_started', visit + 2 * MINUTE);
        if (u % 4 === 0) add(u, 'track', 'support_ticket', visit + 3 * MINUTE);
        add(u, 'track', 'invite_sent', Math.max(hour, Date.now() - 2 * MINUTE));
      }
    }
    // The last hour sealed (the lake), this one from the speed view.
    await seedViews(config, clickhouse, events, [new Date(hour - HOUR).toISOString()]);
    roles = await startRoles(['serve'], config, createLogger({ test: 'explorer-forms' }, 'error'));
  }, 90_000);
  afterAll(async () => {
    await roles?.stop();
    await clickhouse?.close();
  });

  it('an insight from fields: answered, shown as its definition, stored as the fields said', async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['admin'] }, roles.urls.api));
      await page.goto(`${roles.urls.api}/insights`);
      const form = page.locator('[data-testid=insight-form]');
      await form.locator('[name=id]').fill('fr-revenue');
      await form.locator('[name=events]').fill('purchase');
      await form.locator('[name=kind]').selectOption('sum');
      await form.locator('[name=property]').fill('property.total_amount');
      const row = form.locator('[data-rows=filters] .row').first();
      await row.locator('[name=f-property]').fill('country');
      await row.locator('[name=f-value]').fill('FR');
      await form.locator('[name=groupBy]').fill('country');
      await form.locator('[data-testid=insight-show]').click();
      // The French buyers' orders: 10 + u for u = 0, 2, ... 10.
      await expect.poll(() => page.locator('[data-testid=insight-value]').textContent()).toBe('sum: 90');
      expect(await page.locator('[data-testid=insight-table] tbody tr').count()).toBe(1);
      const shown = JSON.parse(
        (await page.locator('[data-testid=insight-definition]').textContent()) ?? '{}',
      );
      await form.locator('[data-testid=insight-save]').click();
      await page.waitForURL(/insights\?id=fr-revenue/);
      await expect.poll(() => page.locator('[data-testid=insight-value]').textContent()).toBe('sum: 90');
      await screenshot(page, 'insights.png');
      // On a dashboard, as a number: the insight answered by the dashboard's tile.
      const add = page.locator('#add-tile');
      await add.locator('[name=dashboard]').selectOption('');
      await add.locator('[name=chart]').selectOption('number');
      await add.locator('[data-testid=add-tile]').click();
      await add.locator('[data-testid=tile-said] a').click();
      await page.waitForURL(/dashboards\?id=/);
      await expect.poll(() => page.locator('[data-testid=tile-value]').textContent()).toBe('90');

      // A formula over a second series: orders per 100 page views (12 orders, 20 page views).
      await page.goto(`${roles.urls.api}/insights`);
      const formula = page.locator('[data-testid=insight-form]');
      await formula.locator('[name=events]').fill('purchase');
      await formula.locator('details summary').click();
      await formula.locator('[name=b-events]').fill('page');
      await formula.locator('[name=formula]').fill('A / B * 100');
      await formula.locator('[data-testid=insight-show]').click();
      await expect.poll(() => page.locator('[data-testid=insight-value]').textContent()).toBe('formula: 60');
      expect(
        JSON.parse((await page.locator('[data-testid=insight-definition]').textContent()) ?? '{}'),
      ).toEqual({
        id: 'draft',
        series: {
          A: { events: ['purchase'], measure: { kind: 'count' } },
          B: { events: ['page'], measure: { kind: 'count' } },
        },
        formula: 'A / B * 100',
      });
      expect(problems).toEqual([]);
      const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
      const res = await fetch(`${roles.urls.api}/v1/insights/fr-revenue`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { definition } = (await res.json()) as { definition: unknown };
      expect(definition).toEqual({
        id: 'fr-revenue',
        events: ['purchase'],
        measure: { kind: 'sum', property: 'property.total_amount' },
        filters: { property: 'country', op: 'equals', value: 'FR' },
        groupBy: 'country',
      });
      expect(shown).toEqual(definition);
      // A tile naming an insight the project has not saved is refused with what to do.
      const admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
      const refused = await fetch(`${roles.urls.api}/v1/dashboards`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'x',
          tiles: [{ title: 't', insight: 'nope', range: { preset: 'last_24h' }, chart: 'number' }],
        }),
      });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toMatch(/no saved insight nope/);
    });
  });

  it('paths after a page as a Sankey; a funnel with an exclusion, broken down by country', async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['read'] }, roles.urls.api));
      await page.goto(`${roles.urls.api}/paths`);
      const paths = page.locator('[data-testid=paths-form]');
      await paths.locator('[name=start]').fill('/pricing');
      await paths.locator('[name=steps]').fill('1');
      await paths.locator('[data-testid=paths-show]').click();
      await expect.poll(() => page.locator('[data-testid=sankey] svg g[data-node]').count()).toBe(5);
      const rows = await page.locator('[data-testid=paths-table] tbody tr').allTextContents();
      // After the pricing page: sign-up (u = 0, 3, 6, 9), docs (1, 4, 7, 10), the trial (2, 8), a purchase (5, 11).
      expect(rows.map((r) => r.replace(/\s+/g, ' ').trim()).sort()).toEqual(
        [
          '/pricing → /docs4',
          '/pricing → /signup4',
          '/pricing → purchase2',
          '/pricing → trial_started2',
        ].sort(),
      );

      const funnel = page.locator('[data-testid=funnel-form]');
      await funnel.locator('[name=steps]').fill('trial_started, invite_sent');
      await funnel.locator('[name=exclude]').fill('support_ticket');
      await funnel.locator('[name=breakdown]').fill('country');
      await funnel.locator('[data-testid=funnel-show]').click();
      // Trials: u = 0, 2, 4, 6, 8, 10 (all in France); tickets from 0, 4, 8 leave them out.
      await expect
        .poll(() => page.locator('[data-testid=funnel-table] tr[data-group=FR]').textContent())
        .toBe('FR3 (100 %)3 (100 %)');
      await expect
        .poll(() => page.locator('[data-testid=time-to-convert]').textContent())
        .toMatch(/^3 converted; median time to convert .+; 3 left out$/);
      await screenshot(page, 'paths.png');
      expect(problems).toEqual([]);
    });
  });
});
