import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleNotFoundError } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { HLL_STANDARD_ERROR } from '../../core/sketches/hll';
import { reportWindows, type ReportWindows } from '../../core/reports/periods';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { mailServiceOptions } from '../../infra/local/mail/service';
import { REPO_ROOT } from '../../infra/local/paths';
import { temporalServiceOptions } from '../../infra/local/temporal/service';
import { formatValue } from '../../serving-layer/reports/report-email';
import { SCHEDULE_IDS, WORKFLOW_TYPES } from '../../workflows/ids';
import { activityDuration, reportEmails } from '../../core/ops/operational-metrics';
import { csvRows, inboxMessages, parsedMessage, startReportStack } from '../helpers/report-stack';
import { seedViews } from '../helpers/seed-views';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const HOUR = 3_600_000;
const TZ = 'Europe/Paris';
const ARTIFACTS = join(REPO_ROOT, '.local', 'test-artifacts');
const METRICS = ['events', 'active_users', 'revenue'] as const;
const INSIGHT = {
  id: 'euro-orders',
  description: 'the total of orders in euros',
  events: ['purchase'],
  measure: { kind: 'sum', property: 'property.total_amount' },
  filters: { property: 'property.currency', op: 'equals', value: 'EUR' },
};

/** Spreads events over `hours` from `start`, busier in the middle, as a day of traffic. */
function overDay(events: AnalyticsEvent[], start: number, hours = 24): AnalyticsEvent[] {
  return events.map((e, i) => {
    const u = (i + 0.5) / events.length;
    const t = new Date(
      start + Math.floor((u + 0.15 * Math.sin(2 * Math.PI * u)) * hours * HOUR),
    ).toISOString();
    return { ...e, timestamp: t, originalTimestamp: t, sentAt: t, receivedAt: t };
  });
}

/**
 * Scheduled reports end to end: defined through the REST API, kept as a Temporal Schedule, fired,
 * computed from the merged views (sealed hours from the batch view, the rest from the speed view),
 * rendered with a chart and a CSV, and delivered over SMTP to the local mail server.
 */
describe('scheduled reports', () => {
  let config: Config;
  let stack: Awaited<ReturnType<typeof startReportStack>>;
  let admin: string;
  let reader: string;
  let w: ReportWindows;
  const project = `rep-${randomUUID().slice(0, 6)}`;
  const recipients = [`cfo-${project}@example.com`, `growth-${project}@example.org`];
  const inbox = `http://127.0.0.1:${mailServiceOptions().inboxPort}`;
  const name = `Daily KPIs ${project}`;
  let reportId = '';
  let seeded: AnalyticsEvent[] = [];

  beforeAll(async () => {
    await requireServices();
    // A run started just before local midnight could report on the next day: start after it.
    while (
      reportWindows('daily', TZ, new Date(Date.now() + 3 * 60_000)).period.start !==
      reportWindows('daily', TZ, new Date()).period.start
    ) {
      await sleep(10_000);
    }
    w = reportWindows('daily', TZ, new Date());
    config = isolatedConfig('reports');
    stack = await startReportStack(config);
    const start = Date.parse(w.previous.start);
    // The two weeks before them, a little traffic at 10:00 and 23:00 UTC each day: 23:00 UTC is
    // already the next day in Paris, so local days and UTC days hold different users (weekly report).
    const firstDay = Math.floor(start / (24 * HOUR)) * 24 * HOUR - 14 * 24 * HOUR;
    const earlier = Array.from({ length: 14 }, (_, d) => firstDay + d * 24 * HOUR)
      .flatMap((day) => [day + 10 * HOUR, day + 23 * HOUR])
      .filter((hour) => hour + HOUR <= start);
    const events = [
      ...earlier.flatMap((hour, i) =>
        overDay(generateEvents(20 + i, { projectId: project }), hour, 1).map((e) => ({
          ...e,
          userId: `${e.userId}-${i % 5}`,
        })),
      ),
      ...overDay(generateEvents(800, { projectId: project }), start),
      ...overDay(generateEvents(1200, { projectId: project }), Date.parse(w.period.start)),
    ];
    // Every hour up to the first 6 of the reported day is sealed (the watermark has no gaps): the
    // rest is speed view.
    const sealed = Array.from({ length: (start - firstDay) / HOUR + 30 }, (_, i) =>
      new Date(firstDay + i * HOUR).toISOString(),
    );
    await seedViews(config, stack.clickhouse, events, sealed);
    seeded = events;
    admin = await stack.token(project, 'admin');
    reader = await stack.token(project, 'read');
    expect((await stack.api('POST', '/v1/insights', admin, INSIGHT)).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const definition = {
    name,
    metrics: [...METRICS],
    period: 'daily',
    timeZone: TZ,
    sendAt: '07:30',
    quality: true,
    recipients,
    // A metric defined without code: the euro orders' total (saved before any report names it).
    insights: [INSIGHT.id],
  };

  /** Each CSV row [metric, dimension, period, bucket, start, end, value] against the API for its span. */
  const expectCsvIsApi = async (rows: string[][]) => {
    expect(rows.length).toBeGreaterThan(1);
    for (const [metric, dim, , bucket, from, to, value] of rows.slice(1)) {
      if (metric?.startsWith('insight:')) {
        // An insight's row is what its answer says for the span (0 where nothing was measured).
        const q = `from=${from}&to=${to}&granularity=hour&tz=${TZ}`;
        const res = await stack.api('GET', `/v1/insights/${metric.slice(8)}/answer?${q}`, reader);
        expect(res.status).toBe(200);
        expect(Number(value), `${metric} ${bucket} ${from}`).toBe(
          (res.body as { value: number | null }).value ?? 0,
        );
        continue;
      }
      const filter = dim ? `&filter=${dim}` : '';
      const res = await stack.api('GET', `/v1/metrics/${metric}?from=${from}&to=${to}${filter}`, reader);
      expect(res.status).toBe(200);
      expect(Number(value), `${metric} ${dim} ${bucket} ${from}`).toBe((res.body as { value: number }).value);
    }
  };

  it('rejects bad definitions with 400 naming each problem, and needs the admin scope', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...definition, metrics: ['events', 'no_such_metric'] }, /metrics: unknown metric 'no_such_metric'/],
      [
        { ...definition, recipients: ['cfo@example.com', 'not an address'] },
        /recipients\.1: not an email address/,
      ],
      [{ ...definition, period: 'hourly' }, /period: period must be one of daily, weekly, monthly/],
      [{ ...definition, timeZone: 'Mars/Olympus' }, /timeZone: not an IANA time zone/],
      [{ ...definition, sendAt: '25:00' }, /sendAt: send time must be HH:MM/],
      [{ ...definition, recipients: [] }, /recipients: name at least one recipient/],
      [{ ...definition, colour: 'blue' }, /unrecognized key/i],
      [{ ...definition, insights: ['nope'] }, /insights: no saved insight nope/],
    ];
    for (const [body, message] of cases) {
      const res = await stack.api('POST', '/v1/reports', admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body?.message)).toMatch(message);
    }
    const bad = await stack.api('POST', '/v1/reports', admin, {
      ...definition,
      period: 'hourly',
      metrics: ['x'],
    });
    expect(bad.body?.problems).toHaveLength(2);
    expect((await stack.api('POST', '/v1/reports', reader, definition)).status).toBe(403);
    expect((await fetch(`${stack.url}/v1/reports`)).status).toBe(401);
    // Nothing was created by any of them.
    expect((await stack.api('GET', '/v1/reports', admin)).body?.reports).toEqual([]);
  });

  it('a fired schedule emails each recipient once: right subject, the API figures, a chart and the CSV', async () => {
    const created = await stack.api('POST', '/v1/reports', admin, definition);
    expect(created.status).toBe(201);
    const report = created.body?.report as { id: string; project: string };
    reportId = report.id;
    expect(report.project).toBe(project);
    expect(created.body?.schedule).toBe(SCHEDULE_IDS.report(project, reportId));
    // The schedule is the definition's home: it fires at 07:30 Paris time, every day.
    const schedule = await stack.client.schedule.getHandle(SCHEDULE_IDS.report(project, reportId)).describe();
    expect(schedule.spec.timezone).toBe(TZ);
    expect(schedule.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 7, end: 7, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
    });
    const next = new Date(schedule.info.nextActionTimes[0] as Date);
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit' }).format(next),
    ).toBe('07:30');

    expect((await stack.api('POST', `/v1/reports/${reportId}/run`, admin)).status).toBe(202);
    const run = await stack.nextRun(reportId, 0);
    const result = await stack.result(run);
    expect(result.period).toEqual(w.period);
    expect(result.deliveries.map((d) => [d.recipient, d.status]).sort()).toEqual(
      recipients.map((r) => [r, 'sent']).sort(),
    );

    const subject = `${name}: ${w.period.label}`;
    for (const to of recipients) {
      const got = await waitFor(
        () => inboxMessages(inbox, to, name),
        (l) => l.length > 0,
        { timeoutMs: 15_000 },
      );
      expect(got).toHaveLength(1);
      expect(got[0]?.subject).toBe(subject);
    }
    const [message] = await inboxMessages(inbox, recipients[0] as string, name);
    const mail = await parsedMessage(inbox, message?.id as string);
    expect(mail.messageId).toBe(result.deliveries.find((d) => d.recipient === recipients[0])?.messageId);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(
      mail.headerLines
        .find((h) => h.key === 'list-id')
        ?.line.replace(/\r\n\s+/g, ' ')
        .toLowerCase(),
    ).toBe(`list-id: ${name} <${reportId}.${project}.analytics.local>`.toLowerCase());

    // The figures are the API's for the same period, to the last digit.
    const csv = mail.attachments.find((a) => a.contentType.startsWith('text/csv'));
    expect(csv?.filename).toBe(`${reportId}-${w.period.start.slice(0, 10)}.csv`);
    const rows = csvRows(mail);
    expect(rows[0]).toEqual(['metric', 'dimension', 'period', 'bucket', 'start', 'end', 'value']);
    // Amounts come per currency: the seeded purchases are in euros.
    const dimOf = (metric: string) => (metric === 'revenue' ? 'currency:EUR' : '');
    const row = (metric: string, period: string, bucket: string) =>
      rows.find((r) => r[0] === metric && r[1] === dimOf(metric) && r[2] === period && r[3] === bucket);
    const api = async (metric: string, from: string, to: string) => {
      const filter = metric === 'revenue' ? '&filter=currency:EUR' : '';
      const res = await stack.api('GET', `/v1/metrics/${metric}?from=${from}&to=${to}${filter}`, reader);
      expect(res.status).toBe(200);
      return res.body as { value: number; source: string };
    };
    const html = typeof mail.html === 'string' ? mail.html : '';
    for (const metric of METRICS) {
      const now = await api(metric, w.period.start, w.period.end);
      const before = await api(metric, w.previous.start, w.previous.end);
      expect(now.value).toBeGreaterThan(0);
      expect(now.source).toBe('mixed'); // sealed hours from the batch view, the rest from the speed view
      expect(Number(row(metric, 'current', 'total')?.[6])).toBe(now.value);
      expect(Number(row(metric, 'previous', 'total')?.[6])).toBe(before.value);
      // And the truth, counted from the events themselves (the API could be wrong too).
      for (const [span, period] of [
        [w.period, 'current'],
        [w.previous, 'previous'],
      ] as const) {
        const inSpan = seeded.filter((e) => e.timestamp >= span.start && e.timestamp < span.end);
        const got = Number(row(metric, period, 'total')?.[6]);
        if (metric === 'events') expect(got).toBe(inSpan.length);
        if (metric === 'revenue') {
          const truth = inSpan
            .filter((e) => e.event === 'purchase' && e.properties.currency === 'EUR')
            .reduce((n, e) => n + Number(e.properties.total_amount), 0);
          expect(got).toBeCloseTo(truth, 6);
        }
        if (metric === 'active_users') {
          const truth = new Set(inSpan.map((e) => e.userId ?? e.anonymousId)).size;
          expect(Math.abs(got - truth)).toBeLessThanOrEqual(4 * HLL_STANDARD_ERROR * truth + 1);
        }
      }
      const kind = metric === 'revenue' ? 'sum' : metric === 'active_users' ? 'unique' : 'count';
      expect(html).toContain(
        `data-metric="${metric}${dimOf(metric).replace('currency', '')}">${formatValue({ kind }, now.value)}<`,
      );
    }
    // The insight's figure is the euro orders' total, as revenue in euros is.
    expect(
      Number(
        rows.find((r) => r[0] === `insight:${INSIGHT.id}` && r[2] === 'current' && r[3] === 'total')?.[6],
      ),
    ).toBeCloseTo(Number(row('revenue', 'current', 'total')?.[6]), 6);
    // Every row, each chart bucket (local hour) of both periods included, is the API's answer for its span.
    await expectCsvIsApi(rows);

    // The data-quality section: the period's events per event name (the ten largest), counted
    // from the events themselves, and the quarantine line.
    const perName = new Map<string, number>();
    for (const e of seeded.filter((e) => e.timestamp >= w.period.start && e.timestamp < w.period.end))
      perName.set(e.event, (perName.get(e.event) ?? 0) + 1);
    const largest = [...perName].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10);
    expect(largest.length).toBeGreaterThan(2);
    expect(html).toContain('Data quality');
    for (const [event, n] of largest) expect(html).toContain(`data-quality-event="${event}">${n}<`);
    expect(html).toMatch(/Quarantined: 0 records \(0\.0%\)/);

    // One inline PNG chart per metric, referenced from the HTML by its Content-ID.
    const raw = await parsedMessage(inbox, message?.id as string, { keepCidLinks: true });
    const charts = raw.attachments.filter((a) => a.contentType === 'image/png');
    // One chart per catalog metric, and one for the insight.
    expect(charts).toHaveLength(METRICS.length + 1);
    for (const c of charts) {
      expect(c.content.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(c.content.readUInt32BE(16)).toBe(1120); // IHDR width: 560 px at 2x
      expect(String(raw.html)).toContain(`src="cid:${c.cid}"`);
    }

    // As a mail client shows it: rendered in Chromium, every chart decoded; the screenshot is kept.
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 900 } });
      await page.goto(`${inbox}/api/messages/${message?.id}/html`);
      const widths = await page.$$eval('img', (imgs) =>
        imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      );
      expect(widths).toEqual([...METRICS, INSIGHT.id].map(() => 1120));
      expect(await page.locator(`[data-metric="events"]`).innerText()).toBe(
        formatValue({ kind: 'count' }, Number(row('events', 'current', 'total')?.[6])),
      );
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-email.png'), fullPage: true });
      writeFileSync(join(ARTIFACTS, 'report-email.html'), await page.content());
    } finally {
      await browser.close();
    }
  });

  it('a second run for the same period sends nothing more, and both runs are listed', async () => {
    expect((await stack.api('POST', `/v1/reports/${reportId}/run`, admin)).status).toBe(202);
    const run = await stack.nextRun(reportId, 1);
    const result = await stack.result(run);
    expect(result.period).toEqual(w.period);
    expect(result.deliveries.map((d) => d.status)).toEqual(['already-sent', 'already-sent']);
    for (const to of recipients) expect(await inboxMessages(inbox, to, name)).toHaveLength(1);
    const runs = (await stack.api('GET', `/v1/reports/${reportId}/runs`, admin)).body?.runs as {
      status: string;
      period: { label: string };
      deliveries: { status: string }[];
    }[];
    expect(runs.map((r) => [r.status, r.period.label, r.deliveries.map((d) => d.status)])).toEqual([
      ['COMPLETED', w.period.label, ['already-sent', 'already-sent']],
      ['COMPLETED', w.period.label, ['sent', 'sent']],
    ]);
    // The ops metric counts each email once: two sent by the first run, none by the second.
    const sent = (await reportEmails.get()).values.find((v) => v.labels.outcome === 'sent')?.value;
    expect(sent).toBe(2);
    // And each delivery activity was timed: two that sent, two that found them sent.
    const timed = (await activityDuration.get()).values.find(
      (v) =>
        v.metricName === 'workflow_activity_duration_seconds_count' &&
        v.labels.activity === 'deliverReport' &&
        v.labels.outcome === 'completed',
    )?.value;
    expect(timed).toBe(4);
  });

  it('shows the report in the Temporal UI, whose Trigger button sends it', async () => {
    const to = `board-${project}@example.net`;
    const created = await stack.api('POST', '/v1/reports', admin, {
      ...definition,
      name: `Weekly board ${project}`,
      period: 'weekly',
      recipients: [to],
    });
    expect(created.status).toBe(201);
    const id = (created.body?.report as { id: string }).id;
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const ui = `http://localhost:${temporalServiceOptions().uiPort}`;
      await page.goto(
        `${ui}/namespaces/${config.temporal.namespace}/schedules/${SCHEDULE_IDS.report(project, id)}`,
      );
      // The schedule page shows the workflow it starts and the report's definition as its input.
      await page.getByText(WORKFLOW_TYPES.scheduledReport).first().waitFor({ timeout: 30_000 });
      await page.getByText(`Weekly board ${project}`).first().waitFor({ timeout: 30_000 });
      await page.getByLabel('Schedule Actions').click();
      await page.getByTestId('trigger-schedule').click();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-trigger-report.png') });
      await page.getByRole('button', { name: 'Trigger', exact: true }).click();
      const run = await stack.nextRun(id, 0);
      const result = await stack.result(run);
      expect(result.deliveries).toEqual([expect.objectContaining({ recipient: to, status: 'sent' })]);
      const got = await waitFor(
        () => inboxMessages(inbox, to, `Weekly board ${project}: `),
        (l) => l.length > 0,
        {
          timeoutMs: 15_000,
        },
      );
      expect(got.map((m) => m.subject)).toEqual([`Weekly board ${project}: ${result.period.label}`]);
      // Local days: counts and sums add hours, unique users are queried per local day.
      const rows = csvRows(await parsedMessage(inbox, got[0]?.id as string));
      expect(rows.filter((r) => r[0] === 'active_users' && r[2] === 'current')).toHaveLength(1 + 7);
      await expectCsvIsApi(rows);
    } finally {
      await browser.close();
      // Gone before the listing below, which expects the project's one other report.
      await stack.client.schedule.getHandle(SCHEDULE_IDS.report(project, id)).delete();
    }
  });

  it('lists, pauses, resumes, changes and deletes through the API, scoped to the project', async () => {
    const listed = await waitFor(
      async () =>
        (await stack.api('GET', '/v1/reports', admin)).body?.reports as { report: { id: string } }[],
      (l) => l.length === 1,
      { timeoutMs: 15_000 },
    );
    expect(listed.map((r) => r.report.id)).toEqual([reportId]);
    const paused = await stack.api('POST', `/v1/reports/${reportId}/pause`, admin);
    expect(paused.body).toMatchObject({ paused: true });
    expect(
      (await stack.client.schedule.getHandle(SCHEDULE_IDS.report(project, reportId)).describe()).state.paused,
    ).toBe(true);
    expect((await stack.api('POST', `/v1/reports/${reportId}/resume`, admin)).body).toMatchObject({
      paused: false,
    });

    const changed = await stack.api('PUT', `/v1/reports/${reportId}`, admin, {
      ...definition,
      period: 'weekly',
      sendAt: '09:00',
    });
    expect(changed.status).toBe(200);
    expect(changed.body?.report).toMatchObject({ id: reportId, period: 'weekly', sendAt: '09:00' });
    const spec = (await stack.client.schedule.getHandle(SCHEDULE_IDS.report(project, reportId)).describe())
      .spec;
    expect(spec.calendars?.[0]).toMatchObject({ dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }] });

    // A preview renders the email for the period before now, charts inline, and sends nothing.
    const preview = await fetch(`${stack.url}/v1/reports/${reportId}/preview`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toContain('text/html');
    const page = await preview.text();
    expect(page).toContain(name);
    expect(page.match(/src="data:image\/png;base64,/g)).toHaveLength(METRICS.length + 1);
    expect(page).not.toContain('cid:');
    for (const to of recipients) expect(await inboxMessages(inbox, to, name)).toHaveLength(1);

    // Ids are unique: creating one that is taken is a conflict, not an overwrite.
    const taken = await stack.api('POST', '/v1/reports', admin, { ...definition, id: reportId });
    expect(taken.status).toBe(409);
    expect(String(taken.body?.message)).toContain(`PUT /v1/reports/<id>`);

    // Another project's admin sees nothing and can change nothing.
    const other = await stack.token(`other-${project}`, 'admin');
    expect((await stack.api('GET', `/v1/reports/${reportId}`, other)).status).toBe(404);
    expect((await stack.api('POST', `/v1/reports/${reportId}/pause`, other)).status).toBe(404);
    expect((await stack.api('DELETE', `/v1/reports/${reportId}`, other)).status).toBe(404);

    expect((await stack.api('DELETE', `/v1/reports/${reportId}`, admin)).status).toBe(204);
    expect((await stack.api('GET', `/v1/reports/${reportId}`, admin)).status).toBe(404);
    await expect(
      stack.client.schedule.getHandle(SCHEDULE_IDS.report(project, reportId)).describe(),
    ).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
