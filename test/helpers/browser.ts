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

/**
 * One Chromium for several people: `person()` opens a page in a context of its own (its own
 * cookies), so each signs in as someone else. Errors of every page are collected in `problems`.
 */
export async function withPeople<T>(
  use: (person: () => Promise<Page>, problems: string[]) => Promise<T>,
): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  const problems: string[] = [];
  try {
    return await use(async () => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      return page;
    }, problems);
  } finally {
    await browser.close();
  }
}

/** A full-page screenshot into the artifacts folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}
