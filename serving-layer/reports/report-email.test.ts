import { describe, expect, it } from 'vitest';
import type { ReportFigures } from '../../core/reports/figures';
import { reportWindows } from '../../core/reports/periods';
import { figuresCsv } from './report-csv';
import { formatChange, formatValue, renderReportEmail } from './report-email';

const w = reportWindows('weekly', 'UTC', new Date('2026-11-23T08:00:00Z'));
const figures: ReportFigures = {
  reportId: 'kpis',
  name: 'KPIs <script>alert(1)</script>',
  project: 'shop',
  timeZone: 'UTC',
  period: w.period,
  previous: w.previous,
  buckets: w.buckets,
  previousBuckets: w.previousBuckets,
  metrics: [
    {
      name: 'revenue',
      dimension: { name: 'currency', value: 'EUR' },
      description: 'purchase totals, "net"',
      kind: 'sum',
      value: 1234.5,
      previous: 1000,
      change: 0.2345,
      series: [1, 2, 3, 4, 5, 6, 1213.5],
      previousSeries: [0, 0, 0, 0, 0, 0, 1000],
    },
    {
      name: 'active_users',
      description: 'distinct users',
      kind: 'unique',
      value: 96.6,
      previous: 0,
      change: null,
      standardError: 0.008,
      series: [1, 1, 1, 1, 1, 1, 96.6],
      previousSeries: [0, 0, 0, 0, 0, 0, 0],
    },
  ],
  sources: [{ source: 'batch', from: w.period.start, to: w.period.end }],
  watermark: w.period.end,
  computedAt: '2026-11-23T08:00:05Z',
};

describe('report email', () => {
  it('formats figures the way the email shows them', () => {
    expect(formatValue({ kind: 'sum' }, 1234.5)).toBe('1,234.50');
    expect(formatValue({ kind: 'unique' }, 96.6)).toBe('~97');
    expect(formatValue({ kind: 'count' }, 1200)).toBe('1,200');
    expect(formatChange(0.2345)).toBe('+23.4%');
    expect(formatChange(-0.5)).toBe('-50.0%');
    expect(formatChange(null)).toBe('new');
  });

  it('escapes what users typed, and every chart it references is attached inline', () => {
    const email = renderReportEmail(figures, 'report-kpis');
    const html = String(email.html);
    expect(email.subject).toBe(`KPIs <script>alert(1)</script>: ${w.period.label}`);
    expect(html).not.toContain('<script>');
    expect(html).toContain('KPIs &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('purchase totals, &quot;net&quot;');
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    const inline = (email.attachments ?? []).filter((a) => a.cid);
    expect(inline.map((a) => a.cid)).toEqual(cids);
    expect(inline.every((a) => a.contentType === 'image/png' && (a.content as Buffer).length > 1000)).toBe(
      true,
    );
    expect(String(email.text)).toContain('active_users: ~97 (');
    expect(String(email.text)).toContain('revenue (EUR): 1,234.50 (');
    expect(html).toContain('data-metric="revenue:EUR">1,234.50<');
  });

  it('writes the CSV in long form with quoting where needed', () => {
    const lines = figuresCsv(figures).trimEnd().split('\r\n');
    expect(lines[0]).toBe('metric,dimension,period,bucket,start,end,value');
    expect(lines[1]).toBe(`revenue,currency:EUR,current,total,${w.period.start},${w.period.end},1234.5`);
    expect(lines).toHaveLength(1 + 2 * 2 + 2 * (7 + 7));
    expect(lines).toContain(
      `active_users,,current,Sun 22 Nov,${w.buckets[6]?.start},${w.buckets[6]?.end},96.6`,
    );
  });
});
