import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { REPO_ROOT } from '../../infra/local/paths';

/** Where browser tests keep their screenshots. */
export const ARTIFACTS = join(REPO_ROOT, '.local', 'test-artifacts');

/**
 * A Chromium page for `use`, with every console error and page error collected in `problems`
 * (the caller asserts none), closed afterwards whatever happens.
 */
export async function withPage<T>(use: (page: Page, problems: string[]) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    return await use(page, problems);
  } finally {
    await browser.close();
  }
}

/** A full-page screenshot into the artifacts folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}
