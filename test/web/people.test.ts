import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberSignInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { screenshot, withPeople } from '../helpers/browser';
import { linkFromInbox } from '../helpers/inbox';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * In Chromium, three people: an owner invites an analyst and a viewer from the People page; each
 * opens the link from the local inbox and is signed in with their role. The analyst defines an
 * insight; the viewer is not offered to, and is refused when trying anyway. The owner removes the
 * analyst, whose open live feed is closed, saying why.
 */
describe('people in the web app', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: string;
  const stamp = Date.now().toString(36);
  const project = `team-${stamp}`;
  const address = (who: string) => `${who}-${stamp}@example.com`;

  beforeAll(async () => {
    await requireServices();
    // Pings every half second: a removed member's live feed is checked again at once.
    config = isolatedConfig('people-web', { LIVE_PING_MS: '500' });
    roles = await startRoles(['serve'], config, createLogger({ test: 'people-web' }, 'error'));
    api = roles.urls.api as string;
    config.access.publicUrl = api;
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('invite by email, sign in by the link, define by role, and a removed member is cut off', async () => {
    await withPeople(async (person, problems) => {
      const owner = await person();
      await owner.goto(await memberSignInLink(config, project, address('olga'), 'owner'));
      const invite = async (who: string, role: string) => {
        await owner.goto(`${api}/people`);
        const form = owner.locator('[data-testid=invite-form]');
        await form.locator('[name=email]').fill(address(who));
        await form.locator('[name=role]').selectOption(role);
        await form.locator('button').click();
        await expect
          .poll(() => owner.locator('[data-testid=people-said]').textContent())
          .toBe(`Invitation sent to ${address(who)} as ${role}.`);
        const page = await person();
        await page.goto(await linkFromInbox(address(who), `invited to ${project}`, '/invite?code='));
        await expect.poll(() => page.locator('[data-testid=who]').textContent()).toBe(address(who));
        return page;
      };

      const analyst = await invite('ana', 'analyst');
      await analyst.goto(`${api}/insights`);
      const form = analyst.locator('[data-testid=insight-form]');
      await form.locator('[name=id]').fill('page-views');
      await form.locator('[name=events]').fill('page');
      await form.locator('[data-testid=insight-save]').click();
      await analyst.waitForURL(/insights\?id=page-views/);

      const viewer = await invite('vic', 'viewer');
      await viewer.goto(`${api}/insights`);
      await viewer.locator('[data-testid=insight-form]').waitFor();
      expect(await viewer.locator('[data-testid=insight-save]').count()).toBe(0);
      // Sent anyway, from the viewer's own page with her session: refused by the server.
      const refused = await viewer.evaluate(async () => {
        const res = await fetch('/v1/insights', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'mine', events: ['page'], measure: { kind: 'count' } }),
        });
        return res.status;
      });
      expect(refused).toBe(403);

      // The analyst watches the overview's live feed; the owner removes her.
      await analyst.goto(`${api}/`);
      await owner.goto(`${api}/people`);
      await screenshot(owner, 'people.png');
      const row = owner.locator('tr[data-member]', { hasText: address('ana') });
      await row.locator('[data-action=remove]').click();
      await expect.poll(() => owner.locator('tr[data-member]', { hasText: address('ana') }).count()).toBe(0);
      await expect
        .poll(() => analyst.locator('[data-testid=live-ended]').textContent(), { timeout: 15_000 })
        // Her sessions were ended with her membership.
        .toMatch(/^Live feed closed: (this session has ended|you are no longer a member)/);
      // Her next request is refused too: the page asks her to sign in.
      await analyst.goto(`${api}/insights`);
      await analyst.locator('[data-testid=sign-in-form]').waitFor();

      // The audit log on the People page names who did each.
      await owner.reload();
      const audit = (await owner.locator('[data-testid=audit]').textContent()) ?? '';
      for (const line of ['member.invited', 'member.joined', 'insight.created', 'member.removed'])
        expect(audit).toContain(line);
      expect(audit).toContain(address('ana'));
      // The refusals are the expected ones (the viewer's 403, the analyst's ended session).
      expect(problems.filter((p) => !/403|401|Forbidden|Unauthorized/.test(p))).toEqual([]);
    });
  }, 180_000);
});
