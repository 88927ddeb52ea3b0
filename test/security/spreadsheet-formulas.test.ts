import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import type { Config } from '../../core/config/config';
import { csvLine } from '../../core/values/csv';
import { createLogger } from '../../core/log';
import type { ReportFigures } from '../../core/reports/figures';
import { figuresCsv } from '../../serving-layer/reports/report-csv';
import { membersCsv } from '../../serving-layer/segments/members-csv';
import { withPage } from '../helpers/browser';
import { knownWriteKey } from '../helpers/segment-sdk';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const FORMULAS = ['+SUM(1,1)', '=HYPERLINK("http://evil.example")', '@cmd', '-2+3'];

/** Every CSV the platform writes makes text that would start a spreadsheet formula inert. */
describe('spreadsheet formulas in CSV downloads', () => {
  let config: Config;
  let roles: RunningRoles;
  const project = `formulas-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('formulas');
    roles = await startRoles(
      ['ingest', 'speed', 'serve'],
      config,
      createLogger({ test: 'formulas' }, 'error'),
    );
    const { post } = await knownWriteKey(config, roles.urls.ingest as string, project);
    const at = new Date(Date.now() - 60_000).toISOString();
    const batch = FORMULAS.map((path, i) => ({
      messageId: `f-${i}`,
      type: 'page',
      name: 'page',
      userId: 'u',
      properties: { path },
      timestamp: at,
    }));
    expect(await (await post(batch)).json()).toMatchObject({ accepted: batch.length });
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('one writer: text starting =, +, - or @ gets a quote first; numbers stay numbers', () => {
    expect(csvLine(['+SUM(1,1)', '=1+1', '@x', '-2+3', '-5', 42, 'plain, "quoted"'])).toBe(
      `"'+SUM(1,1)",'=1+1,'@x,'-2+3,-5,42,"plain, ""quoted"""`,
    );
  });

  it("a report's attachment and a segment's member list go through it", () => {
    const span = { label: 'd', start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' };
    const figures = {
      period: span,
      previous: span,
      buckets: [],
      previousBuckets: [],
      metrics: [{ name: 'page_views', dimension: { name: 'path', value: '=cmd|x' }, value: -3, previous: 1 }],
    } as unknown as ReportFigures;
    // The value follows its dimension's name, so it never starts a cell; numbers stay numbers.
    expect(figuresCsv(figures)).toContain('page_views,path:=cmd|x,current,total');
    expect(figuresCsv(figures)).toContain(',-3\r\n');
    // A member's id and a trait's name and value are all user-chosen text.
    const members = membersCsv([{ user: '@me', firstSeen: span.start, traits: { '+plan': '=1+1' } }]);
    expect(members).toBe(`user,first_seen,'+plan\r\n'@me,${span.start},'=1+1\r\n`);
  });

  it("the explorer's CSV download, in Chromium, holds the paths as inert text", async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['read'] }, roles.urls.api));
      const url = `${roles.urls.api}/explore?metric=page_views&range=last_24h&granularity=hour&groupBy=path`;
      let csv = '';
      for (let i = 0; i < 40 && FORMULAS.some((f) => !csv.includes(f.slice(1, 4))); i++) {
        await page.goto(url);
        await page.waitForSelector('[data-testid=table] tbody tr', { timeout: 10_000 }).catch(() => {});
        // As a user gets it: a click on the link, a file downloaded.
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
        csv = readFileSync((await download.path()) as string, 'utf8');
        if (FORMULAS.some((f) => !csv.includes(f.slice(1, 4)))) await page.waitForTimeout(500);
      }
      const cells = csv
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)[1]);
      for (const f of FORMULAS)
        expect(cells).toContain(
          f.includes(',') || f.includes('"') ? `"'${f.replaceAll('"', '""')}"` : `'${f}`,
        );
      expect(problems).toEqual([]);
    });
  }, 60_000);
});
