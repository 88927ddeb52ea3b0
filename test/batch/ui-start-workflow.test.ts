import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { readHourPointer } from '../../core/lake/views';
import { createLogger } from '../../core/log';
import { lakeAt } from '../helpers/lake';
import type { Config } from '../../core/config/config';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { REPO_ROOT } from '../../infra/local/paths';
import { temporalServiceOptions } from '../../infra/local/temporal/service';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import type { BackfillResult } from '../../workflows/types';
import { startBatchHarness } from '../helpers/batch-harness';
import { requireBigQuery } from '../helpers/bigquery';
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
    await requireBigQuery();
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

  const ui = `http://localhost:${temporalServiceOptions().uiPort}`;

  /** Fills the Start Workflow form as an operator would and starts the backfill; returns the page. */
  async function startFromUi(workflowId: string, input: Record<string, unknown>, shot: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
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
    await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
    await page.getByTestId('start-workflow-button').click();
    return page;
  }

  it('fills the form, starts the workflow, and the backfill completes', async () => {
    const workflowId = `ui-backfill-${Date.now()}`;
    const input = { from: new Date(start).toISOString(), to: new Date(start + 2 * HOUR).toISOString() };
    const page = await startFromUi(workflowId, input, 'temporal-ui-start-backfill.png');

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

  it('a backfill started with "engine": "bigquery" completes, and the API answers as it does from DuckDB', async () => {
    const api = await startRoles(['serve'], config, createLogger({ test: 'ui-backfill' }, 'error'));
    try {
      const token = await mintToken(config.auth.jwtSecret, { project: 'ui', scopes: ['read'] });
      const range = `from=${new Date(start).toISOString()}&to=${new Date(start + 2 * HOUR).toISOString()}`;
      const input = { from: new Date(start).toISOString(), to: new Date(start + 2 * HOUR).toISOString() };
      const workflowId = `ui-backfill-bigquery-${Date.now()}`;
      const page = await startFromUi(
        workflowId,
        { ...input, engine: 'bigquery', force: true },
        'temporal-ui-start-backfill-bigquery.png',
      );
      const handle = client.workflow.getHandle(workflowId);
      // The click sends the start from the browser: wait until the server has the run.
      await waitFor(
        () => handle.describe().catch(() => undefined),
        (d) => d !== undefined,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      const result = (await handle.result()) as BackfillResult;
      expect(result).toMatchObject({
        total: 2,
        done: 2,
        failed: 0,
        events: events.length,
        engine: 'bigquery',
      });
      expect(result.bytes?.loaded).toBeGreaterThan(0);
      const described = await handle.describe();
      expect(described.searchAttributes.AnalyticsEngine).toEqual(['bigquery']);
      expect(described.memo?.engine).toBe('bigquery');
      const fromBigQuery = await everyAnswer(api.urls.api as string, token, range);
      await page.close();

      // The same hours again on DuckDB: every metric's answer is the same.
      const again = (await client.workflow.execute(WORKFLOW_TYPES.backfill, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `${workflowId}-duckdb`,
        args: [{ ...input, engine: 'duckdb', force: true }],
      })) as BackfillResult;
      expect(again).toMatchObject({ done: 2, failed: 0, engine: 'duckdb', events: events.length });
      const fromDuckDb = await everyAnswer(api.urls.api as string, token, range);
      expect(fromBigQuery.get('events')?.value).toBe(events.length);
      expect(fromBigQuery.get('events')?.parts.map((p) => p.source)).toEqual(['batch']);
      expect([...fromBigQuery.keys()].length).toBeGreaterThan(5);
      expect(fromBigQuery).toEqual(fromDuckDb);
    } finally {
      await api.stop();
    }
  }, 180_000);
});

interface Answer {
  value: number;
  buckets: { start: string; dim?: string; value: number; source: string }[];
  parts: { source: string; from: string; to: string }[];
}

/** Every catalog metric over the range, per hour and dimension value, as the serving API answers. */
async function everyAnswer(api: string, token: string, range: string): Promise<Map<string, Answer>> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const listing = await get<{ metrics: { name: string; dimension: string | null }[] }>('/v1/metrics');
  const answers = new Map<string, Answer>();
  for (const m of listing.metrics) {
    const a = await get<Answer & Record<string, unknown>>(
      `/v1/metrics/${m.name}?${range}&granularity=hour${m.dimension ? `&groupBy=${m.dimension}` : ''}`,
    );
    answers.set(m.name, { value: a.value, buckets: a.buckets, parts: a.parts });
  }
  return answers;
}
