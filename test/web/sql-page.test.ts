import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberSignInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { ARTIFACTS, screenshot, withPeople } from '../helpers/browser';
import { distinctEventsInLake } from '../helpers/lake';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { postBatch } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

/**
 * The SQL page in Chromium: an analyst runs a statement and reads the API's answer in the table,
 * draws a daily series, downloads the answer as Parquet (read back by DuckDB), saves the statement
 * and shows it on a dashboard, where the tile holds the same rows. A viewer is told SQL is for
 * analysts. No page logs an error.
 */
describe('the SQL page', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: string;
  const stamp = Date.now().toString(36);
  const project = `sqlweb-${stamp}`;
  const counts = { page: 7, clicked: 3, signup: 2 };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('sql-web');
    const key = await createWriteKey(config, project);
    roles = await startRoles(
      ['ingest', 'speed', 'archiver', 'serve'],
      config,
      createLogger({ test: 'sql-web' }, 'error'),
    );
    api = roles.urls.api as string;
    config.access.publicUrl = api;
    const batch = Object.entries(counts).flatMap(([event, n]) =>
      Array.from({ length: n }, (_, i) => ({ type: 'track', event, userId: `u-${i}`, properties: { n: i } })),
    );
    expect(await postBatch(roles.urls.ingest as string, key, batch)).toBe(200);
    await waitFor(
      () => distinctEventsInLake(config.lake.root, project),
      (n) => n === batch.length,
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  }, 120_000);
  afterAll(async () => roles?.stop());

  it('runs, draws, downloads, saves to a dashboard; a viewer is refused', async () => {
    await withPeople(async (person, problems) => {
      const analyst = await person();
      await analyst.goto(await memberSignInLink(config, project, `ana-${stamp}@example.com`, 'analyst'));
      // A dashboard to show the saved query on.
      const dashboard = await analyst.evaluate(async () => {
        const r = await fetch('/v1/dashboards', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'SQL tiles' }),
        });
        return ((await r.json()) as { id: string }).id;
      });
      await analyst.goto(`${api}/sql`);
      const query = 'SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY event';
      await analyst.locator('[data-testid=sql-editor]').fill(query);
      await analyst.locator('[data-testid=sql-run]').click();
      const rows = () =>
        analyst.$$eval('[data-testid=sql-result] [data-testid=sql-table] tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
        );
      const want = Object.entries(counts)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([e, n]) => [e, String(n)]);
      await expect.poll(rows).toEqual(want);
      expect(await analyst.locator('[data-testid=sql-meta]').textContent()).toMatch(/^3 rows; speed /);

      // The Parquet download holds the same rows.
      const [download] = await Promise.all([
        analyst.waitForEvent('download'),
        analyst.locator('[data-testid=sql-download-parquet]').click(),
      ]);
      const file = join(ARTIFACTS, `sql-${stamp}.parquet`);
      await download.saveAs(file);
      const duck = await (await DuckDBInstance.create(':memory:')).connect();
      const back = (
        await duck.runAndReadAll(`SELECT event, n::VARCHAR FROM read_parquet('${file}') ORDER BY event`)
      ).getRowsJson();
      expect(back).toEqual(want);

      // A daily series is drawn as a chart.
      await analyst
        .locator('[data-testid=sql-editor]')
        .fill(
          "SELECT date_trunc('day', event_time) AS day, count(*) AS events FROM events GROUP BY 1 ORDER BY 1",
        );
      await analyst.locator('[data-testid=sql-chart-kind]').selectOption('bar');
      await analyst.locator('[data-testid=sql-run]').click();
      await analyst.locator('[data-testid=sql-chart] canvas').waitFor();

      // Saved, and shown on the dashboard as a table with the same rows.
      await analyst.locator('[data-testid=sql-editor]').fill(query);
      await analyst.locator('[data-testid=sql-chart-kind]').selectOption('table');
      await analyst.locator('[data-testid=sql-run]').click();
      await expect.poll(rows).toEqual(want);
      await screenshot(analyst, 'web-sql.png');
      await analyst.locator('[data-testid=sql-save-id]').fill('by-event');
      await analyst.locator('[data-testid=sql-save-name]').fill('Events by name');
      await analyst.locator('[data-testid=sql-save-dashboard]').selectOption(dashboard);
      await analyst.locator('[data-testid=sql-save]').click();
      await expect
        .poll(() => analyst.locator('[data-testid=sql-saved]').textContent())
        .toMatch(/shown on SQL tiles/);
      await analyst.goto(`${api}/dashboards?id=${dashboard}`);
      await expect
        .poll(() =>
          analyst.$$eval('[data-testid=tiles] [data-testid=sql-table] tbody tr', (trs) =>
            trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
          ),
        )
        .toEqual(want);
      // The history lists the statements run, newest first.
      await analyst.goto(`${api}/sql`);
      expect(await analyst.locator('[data-testid=sql-history] li a').first().textContent()).toBe(query);

      const viewer = await person();
      await viewer.goto(await memberSignInLink(config, project, `vic-${stamp}@example.com`, 'viewer'));
      await viewer.goto(`${api}/sql`);
      await expect
        .poll(() => viewer.locator('[data-testid=sql-refused]').textContent())
        .toMatch(/for analysts/);
      // And the dashboard's SQL tile reads for the viewer too (a saved query is anyone's to read).
      await viewer.goto(`${api}/dashboards?id=${dashboard}`);
      await expect
        .poll(() => viewer.locator('[data-testid=tiles] [data-testid=sql-table] tbody tr').count())
        .toBe(3);
      expect(problems).toEqual([]);
    });
  }, 180_000);
});
