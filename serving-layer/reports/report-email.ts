import type Mail from 'nodemailer/lib/mailer';
import type { MetricFigures, ReportFigures, ReportQuality } from '../../core/reports/figures';
import { CHART_HEIGHT, CHART_WIDTH, renderChartPng } from './report-chart';
import { figuresCsv } from './report-csv';

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function formatValue(m: Pick<MetricFigures, 'kind'>, v: number): string {
  if (m.kind === 'sum')
    return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (m.kind === 'rate') return `${(v * 100).toFixed(1)}%`;
  if (m.kind === 'seconds') return `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
  if (m.kind === 'average') return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return `${m.kind === 'unique' ? '~' : ''}${Math.round(v).toLocaleString('en-US')}`;
}

export function formatChange(change: number | null): string {
  if (change === null) return 'new';
  const pct = (change * 100).toFixed(1);
  return `${change > 0 ? '+' : ''}${pct}%`;
}

const bucketUnit = (f: ReportFigures) =>
  f.buckets.length > 0 && Date.parse(f.buckets[0]!.end) - Date.parse(f.buckets[0]!.start) > 3_600_000
    ? 'day'
    : 'hour';

/** How a figure is named in the email: the metric, and its currency when split by one. */
const label = (m: MetricFigures) => (m.dimension ? `${m.name} (${m.dimension.value})` : m.name);
/** A stable handle on a figure in the HTML (`data-metric`): metric, or metric:currency. */
export const key = (m: Pick<MetricFigures, 'name' | 'dimension'>) =>
  m.dimension ? `${m.name}:${m.dimension.value}` : m.name;

const changeColor = (c: number | null) => (c === null || c === 0 ? '#52606d' : c > 0 ? '#1f7a3d' : '#b42318');

const sourceLine = (f: ReportFigures) =>
  f.sources.length === 0
    ? ''
    : `Figures come from ${f.sources
        .map(
          (s) =>
            `${s.source === 'late' ? 'the speed view (late events waiting for repair)' : `the ${s.source} view`} for ${s.from.slice(0, 16).replace('T', ' ')} to ${s.to.slice(0, 16).replace('T', ' ')} UTC`,
        )
        .join(' and ')}.`;

const percent = (v: number) => `${(v * 100).toFixed(v !== 0 && v < 0.001 ? 3 : 1)}%`;
const skew = (v: number | null) => (v === null ? 'n/a' : `${v > 0 ? '+' : ''}${v.toFixed(1)} s`);
const TH = 'padding:8px 12px;font-size:12px;color:#7b8794;border-bottom:2px solid #e4e7eb';
const TD = 'padding:6px 12px;border-bottom:1px solid #e4e7eb;font-size:13px;color:#1f2933';

/** The optional data-quality section: per event name, then anomalies and quarantine. */
function qualitySection(q: ReportQuality): { html: string; text: string[] } {
  const rows = q.events
    .map(
      (e) =>
        `<tr><td style="${TD}">${esc(e.event)}</td><td align="right" style="${TD}" data-quality-event="${esc(e.event)}">${e.events}</td><td align="right" style="${TD}">${percent(e.duplicateRate)}</td><td align="right" style="${TD}">${percent(e.lateShare)}</td><td align="right" style="${TD}">${skew(e.skewSeconds)}</td></tr>`,
    )
    .join('\n');
  const lines = [
    ...q.anomalies.map(
      (a) =>
        `Unusual volume: ${a.event} at ${a.hour.slice(0, 16).replace('T', ' ')} UTC, ${a.count} events (${a.direction === 'high' ? 'above' : 'below'} the same hour of earlier weeks).`,
    ),
    `Quarantined: ${q.quarantine.total} records (${percent(q.quarantine.rate)})${q.quarantine.topReason ? `, mostly: ${q.quarantine.topReason}` : ''}.`,
  ];
  const html = `<tr><td style="padding:16px 24px 4px 24px;font-size:16px;font-weight:bold;color:#1f2933">Data quality</td></tr>
<tr><td style="padding:0 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><th align="left" style="${TH}">Event</th><th align="right" style="${TH}">Events</th><th align="right" style="${TH}">Duplicates</th><th align="right" style="${TH}">Late</th><th align="right" style="${TH}">Clock skew</th></tr>
${rows}
</table></td></tr>
<tr><td style="padding:8px 24px 0 24px;font-size:13px;line-height:19px;color:#52606d" data-quality-notes>${lines.map(esc).join('<br>')}</td></tr>`;
  const text = [
    '',
    'Data quality (events, duplicates, late, median clock skew):',
    ...q.events.map(
      (e) =>
        `${e.event}: ${e.events}, ${percent(e.duplicateRate)}, ${percent(e.lateShare)}, ${skew(e.skewSeconds)}`,
    ),
    ...lines,
  ];
  return { html, text };
}

/**
 * The report email: HTML laid out with tables and inline styles (what Outlook, Gmail and Apple
 * Mail all render), one inline PNG chart per metric referenced by Content-ID, a plain-text part,
 * and the figures as a CSV attachment.
 */
export function renderReportEmail(
  f: ReportFigures,
  schedule: string,
): Pick<Mail.Options, 'subject' | 'html' | 'text' | 'attachments'> {
  const subject = `${f.name}: ${f.period.label}`;
  const charts = f.metrics.map((m, i) => ({
    cid: `chart-${i}.${f.reportId}@report`,
    png: renderChartPng({
      labels: f.buckets.map((b) => b.label),
      current: m.series,
      previous: m.previousSeries,
      currentName: f.period.label,
      previousName: f.previous.label,
    }),
    metric: m,
  }));
  const rows = f.metrics
    .map(
      (m) => `<tr>
<td style="padding:8px 12px;border-bottom:1px solid #e4e7eb;font-size:14px;color:#1f2933">${esc(label(m))}<br><span style="font-size:12px;color:#7b8794">${esc(m.description)}</span></td>
<td align="right" style="padding:8px 12px;border-bottom:1px solid #e4e7eb;font-size:16px;font-weight:bold;color:#1f2933" data-metric="${esc(key(m))}">${esc(formatValue(m, m.value))}</td>
<td align="right" style="padding:8px 12px;border-bottom:1px solid #e4e7eb;font-size:14px;color:#52606d">${esc(formatValue(m, m.previous))}</td>
<td align="right" style="padding:8px 12px;border-bottom:1px solid #e4e7eb;font-size:14px;font-weight:bold;color:${changeColor(m.change)}">${esc(formatChange(m.change))}</td>
</tr>`,
    )
    .join('\n');
  const chartBlocks = charts
    .map(
      (
        c,
      ) => `<tr><td style="padding:16px 24px 0 24px;font-size:14px;font-weight:bold;color:#1f2933">${esc(label(c.metric))}</td></tr>
<tr><td style="padding:4px 24px 8px 24px"><img src="cid:${c.cid}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" alt="${esc(`${label(c.metric)} per ${bucketUnit(f)}, ${f.period.label} against ${f.previous.label}`)}" style="display:block;border:0;max-width:100%;height:auto"></td></tr>`,
    )
    .join('\n');
  const quality = f.quality ? qualitySection(f.quality) : { html: '', text: [] };
  const approx = f.metrics.find((m) => m.standardError !== undefined);
  const notes = [
    `Period: ${f.period.label} (${f.timeZone}), compared with ${f.previous.label}.`,
    sourceLine(f),
    approx?.standardError
      ? `Values marked ~ are unique counts estimated with a relative standard error of ${(approx.standardError * 100).toFixed(1)}%.`
      : '',
    `The numbers are attached as CSV. Sent by the analytics platform for schedule ${schedule} (project ${f.project}).`,
  ].filter(Boolean);
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:0;background:#f5f7fa">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f5f7fa"><tr><td align="center" style="padding:24px 8px">
<table role="presentation" width="608" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="max-width:608px;width:100%;font-family:Arial,Helvetica,sans-serif;border:1px solid #e4e7eb">
<tr><td style="padding:20px 24px 4px 24px;font-size:20px;font-weight:bold;color:#1f2933">${esc(f.name)}</td></tr>
<tr><td style="padding:0 24px 16px 24px;font-size:14px;color:#52606d">${esc(f.period.label)} &middot; ${esc(f.project)} &middot; ${esc(f.timeZone)}</td></tr>
<tr><td style="padding:0 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><th align="left" style="padding:8px 12px;font-size:12px;color:#7b8794;border-bottom:2px solid #e4e7eb">Metric</th><th align="right" style="padding:8px 12px;font-size:12px;color:#7b8794;border-bottom:2px solid #e4e7eb">${esc(f.period.label)}</th><th align="right" style="padding:8px 12px;font-size:12px;color:#7b8794;border-bottom:2px solid #e4e7eb">${esc(f.previous.label)}</th><th align="right" style="padding:8px 12px;font-size:12px;color:#7b8794;border-bottom:2px solid #e4e7eb">Change</th></tr>
${rows}
</table></td></tr>
${chartBlocks}
${quality.html}
<tr><td style="padding:16px 24px 20px 24px;font-size:12px;line-height:18px;color:#7b8794">${notes.map(esc).join('<br>')}</td></tr>
</table></td></tr></table>
</body></html>`;
  const text = [
    subject,
    '',
    ...f.metrics.map(
      (m) =>
        `${label(m)}: ${formatValue(m, m.value)} (${f.previous.label}: ${formatValue(m, m.previous)}, ${formatChange(m.change)})`,
    ),
    ...quality.text,
    '',
    ...notes,
  ].join('\n');
  return {
    subject,
    html,
    text,
    attachments: [
      ...charts.map((c, i) => ({
        filename: `chart-${i + 1}-${key(c.metric).replace(':', '-')}.png`,
        content: c.png,
        contentType: 'image/png',
        cid: c.cid,
        contentDisposition: 'inline' as const,
      })),
      {
        filename: `${f.reportId}-${f.period.start.slice(0, 10)}.csv`,
        content: figuresCsv(f),
        contentType: 'text/csv; charset=utf-8',
      },
    ],
  };
}
