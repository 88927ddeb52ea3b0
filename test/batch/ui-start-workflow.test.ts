import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHourPointer } from '../../core/lake/views';
import { lakeAt } from '../helpers/lake';
import type { Config } from '../../core/config';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { REPO_ROOT } from '../../infra/local/paths';
import { temporalServiceOptions } from '../../infra/local/temporal/service';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import type { BackfillResult } from '../../workflows/types';
import { startBatchHarness } from '../helpers/batch-harness';
import { writeLake } from '../helpers/lake';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const HOUR = 3_600_000;
const ARTIFACTS = join(REPO_ROOT, '.local', 'test-artifacts');

/**
 * An operator starts a backfill from the Temporal Web UI's Start Workflow form, in a real browser
 * (Debian's Chromium driven by playwright-core), and the worker runs it to the end.
 */
describe('backfill started from the Temporal Web UI', () => {
  let config: Config;
  let client: Client;
  let harness: Awaited<ReturnType<typeof startBatchHarness>>;
  let browser: Browser;
  const start = Math.floor(Date.now() / HOUR) * HOUR - 72 * HOUR;
  const events = generateEvents(500, { start, spreadMinutes: 119, projectId: 'ui' });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('ui-backfill');
    await writeLake(config.lake.root, events);
    harness = await startBatchHarness(config, 'ui-backfill');
    client = harness.client;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it('fills the form, starts the workflow, and the backfill completes', async () => {
    const workflowId = `ui-backfill-${Date.now()}`;
    const input = { from: new Date(start).toISOString(), to: new Date(start + 2 * HOUR).toISOString() };
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const ui = `http://localhost:${temporalServiceOptions().uiPort}`;
    await page.goto(`${ui}/namespaces/${config.temporal.namespace}/workflows/start-workflow`);
    await page.getByTestId('workflowId').fill(workflowId);
    await page.getByTestId('taskQueue').fill(config.temporal.taskQueue);
    await page.getByTestId('workflowType').fill(WORKFLOW_TYPES.backfill);
    // The input is a code editor: type into it as an operator would.
    await page
      .locator('[aria-label="Data"] [contenteditable="true"], [aria-label="Data"][contenteditable="true"]')
      .first()
      .click();
    await page.keyboard.insertText(JSON.stringify(input));
    // Leaving the editor formats the JSON and grows it, which moves the button: leave it first.
    await page.getByRole('heading', { name: 'Start Workflow' }).click();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-start-backfill.png'), fullPage: true });
    await page.getByTestId('start-workflow-button').click();

    const handle = client.workflow.getHandle(workflowId);
    const described = await waitFor(
      () => handle.describe().catch(() => undefined),
      (d) => d !== undefined,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(described?.type).toBe(WORKFLOW_TYPES.backfill);
    expect(described?.taskQueue).toBe(config.temporal.taskQueue);
    const result = (await handle.result()) as BackfillResult;
    expect(result).toMatchObject({ total: 2, done: 2, failed: 0, events: events.length });
    for (const h of [0, 1])
      expect(
        await readHourPointer(lakeAt(config.lake.root), new Date(start + h * HOUR).toISOString()),
      ).toBeDefined();

    // The run's page in the UI shows it completed.
    await page.goto(`${ui}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`);
    await expect
      .poll(async () => (await page.content()).includes('Completed'), { timeout: 30_000 })
      .toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-backfill-completed.png'), fullPage: true });
  }, 120_000);
});
