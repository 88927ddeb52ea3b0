import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { screenshot, withPage } from '../helpers/browser';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * Experiments and segments defined in Chromium with the pages' forms (no JSON typed): what the
 * API stores is what the fields said, and a refused definition is shown beside the button.
 */
describe('the define forms of the web app', () => {
  let config: Config;
  let roles: RunningRoles;
  const project = `forms-${Date.now().toString(36)}`;
  const stored = async (path: string) => {
    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    const res = await fetch(`${roles.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as { definition: Record<string, unknown> };
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('define-forms');
    roles = await startRoles(['serve'], config, createLogger({ test: 'define-forms' }, 'error'));
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('an experiment: variations, dates, goal with a property, guardrail', async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['admin'] }, roles.urls.api));
      await page.goto(`${roles.urls.api}/experiments`);
      const form = page.locator('[data-testid=experiment-form]');
      await form.locator('[name=id]').fill('one-page');
      await form.locator('[name=name]').fill('One-page checkout');
      await form.locator('[name=start]').fill('2026-11-01');
      await form.locator('[data-add=variations]').click();
      const rows = form.locator('[data-rows=variations] .row');
      expect(await rows.count()).toBe(3);
      const variations = [
        ['control', '0.5'],
        ['one-page', '0.25'],
        ['two-page', '0.25'],
      ];
      for (const [i, [id, weight]] of variations.entries()) {
        await rows
          .nth(i)
          .locator('[name=variation-id]')
          .fill(id as string);
        await rows
          .nth(i)
          .locator('[name=variation-weight]')
          .fill(weight as string);
      }
      await form.locator('[name=goal-event]').fill('purchase');
      await form.locator('[name=goal-property]').fill('currency');
      await form.locator('[name=goal-equals]').fill('EUR');
      await form.locator('[name=guardrail]').selectOption('refunds');
      await form.locator('[data-testid=experiment-save]').click();
      await page.waitForURL(/experiments\?id=one-page/);
      await screenshot(page, 'define-experiment.png');
      expect(problems).toEqual([]);
    });
    const { definition } = await stored('/v1/experiments/one-page');
    expect(definition).toMatchObject({
      id: 'one-page',
      name: 'One-page checkout',
      start: expect.stringMatching(/^2026-11-01T00:00:00/),
      variations: [
        { id: 'control', weight: 0.5 },
        { id: 'one-page', weight: 0.25 },
        { id: 'two-page', weight: 0.25 },
      ],
      goals: [{ kind: 'conversion', event: 'purchase', where: { property: 'currency', equals: 'EUR' } }],
      guardrails: [{ kind: 'mean', metric: 'refunds' }],
      conversionWindowHours: 72,
    });
  });

  it('a segment: any of a trait test and a negated behaviour; a refusal names the problem', async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['admin'] }, roles.urls.api));
      await page.goto(`${roles.urls.api}/segments`);
      const form = page.locator('[data-testid=segment-form]');
      await form.locator('[name=id]').fill('Not An Id');
      await form.locator('[data-rows=conditions] .row [name=subject]').fill('plan');
      await form.locator('[data-testid=segment-save]').click();
      await expect.poll(() => form.locator('[data-testid=build-said]').textContent()).toMatch(/id/);

      await form.locator('[name=id]').fill('eu-or-lapsed');
      await form.locator('[name=join]').selectOption('or');
      const first = form.locator('[data-rows=conditions] .row').nth(0);
      await first.locator('[name=subject]').fill('country');
      await first.locator('[name=op]').selectOption('in');
      await first.locator('[name=value]').fill('DE, FR');
      await form.locator('[data-add=conditions]').click();
      const second = form.locator('[data-rows=conditions] .row').nth(1);
      await second.locator('[name=negate]').check();
      await second.locator('[name=kind]').selectOption('event');
      await second.locator('[name=subject]').fill('purchase');
      await second.locator('[name=atLeast]').fill('2');
      await second.locator('[name=inLastDays]').fill('30');
      await form.locator('[data-testid=segment-save]').click();
      await page.waitForURL(/segments\?id=eu-or-lapsed/);
      expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
    });
    const { definition } = await stored('/v1/segments/eu-or-lapsed');
    expect(definition.condition).toEqual({
      or: [
        { trait: 'country', op: 'in', values: ['DE', 'FR'] },
        { not: { event: 'purchase', atLeast: 2, inLastDays: 30 } },
      ],
    });
  });
});
