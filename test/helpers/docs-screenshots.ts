/**
 * Screenshots of every page of the web app against a running `./platform up` (its seeded demo):
 * `node node_modules/tsx/dist/cli.mjs test/helpers/docs-screenshots.ts [out folder]`. The README and
 * docs/ show them; run it again after a change to a page.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../core/config/config';
import { signInLink } from '../../cli/commands/login';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { REPO_ROOT } from '../../infra/local/paths';

const PAGES = [
  ['overview', '/'],
  ['explorer', '/explore'],
  ['live-events', '/events'],
  ['dashboards', '/dashboards'],
  ['experiments', '/experiments'],
  ['segments', '/segments'],
  ['people', '/people'],
  ['sql', '/sql'],
] as const;

async function main(out: string): Promise<void> {
  const config = loadConfig();
  const base = `http://${config.api.host}:${config.api.port}`;
  const link = await signInLink(config, { project: 'demo', role: 'owner', user: 'operator' }, base);
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
    await page.goto(link);
    for (const [name, path] of PAGES) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle').catch(() => {});
      await page.waitForTimeout(2500); // charts draw, the live feed sends its first snapshots
      await page.screenshot({ path: join(out, `web-${name}.png`), fullPage: true });
      console.log(`web-${name}.png`);
    }
  } finally {
    await browser.close();
  }
}

main(process.argv[2] ?? join(REPO_ROOT, 'docs', 'screenshots')).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
