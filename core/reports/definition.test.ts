import { describe, expect, it } from 'vitest';
import { newReportId, parseReportDefinition } from './definition';

const valid = {
  name: 'Weekly KPIs',
  metrics: ['events', 'revenue'],
  period: 'weekly',
  recipients: ['a@example.com'],
};
const parse = (body: unknown) => parseReportDefinition(body, 'shop', () => 'generated-1');

describe('report definitions', () => {
  it('fills defaults: an id, UTC, 08:00, no data-quality section', () => {
    expect(parse(valid)).toEqual({
      ok: true,
      report: {
        ...valid,
        id: 'generated-1',
        project: 'shop',
        timeZone: 'UTC',
        sendAt: '08:00',
        quality: false,
      },
    });
  });

  it('keeps the caller id and the project from the token, never from the body', () => {
    const r = parse({ ...valid, id: 'kpis', timeZone: 'Asia/Kolkata', sendAt: '23:59' });
    expect(r).toMatchObject({ ok: true, report: { id: 'kpis', project: 'shop', timeZone: 'Asia/Kolkata' } });
    expect(parse({ ...valid, project: 'someone-else' })).toMatchObject({ ok: false });
  });

  it('names every problem at once', () => {
    const r = parse({
      name: ' ',
      metrics: ['events', 'events', 'bogus'],
      period: 'yearly',
      timeZone: 'Nowhere/City',
      sendAt: '8am',
      recipients: ['x@example.com', 'X@example.com', 'no-at-sign'],
      id: 'Not An Id',
    });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    for (const p of [
      /^id: lowercase letters/,
      /^name: give the report a name/,
      /^metrics: a metric is listed twice/,
      /^metrics: unknown metric 'bogus'/,
      /^period: period must be one of daily, weekly, monthly/,
      /^timeZone: not an IANA time zone/,
      /^sendAt: send time must be HH:MM/,
      /^recipients\.2: not an email address/,
      /^recipients: a recipient is listed twice/,
    ]) {
      expect(
        problems.some((x) => p.test(x)),
        `${p} in ${problems.join(' | ')}`,
      ).toBe(true);
    }
  });

  it('refuses a body that is not an object', () => {
    expect(parse(null)).toMatchObject({ ok: false });
    expect(parse('events')).toMatchObject({ ok: false });
  });

  it('makes readable ids that pass its own check', () => {
    const id = newReportId('Daily KPIs — for the board!');
    expect(id).toMatch(/^daily-kpis-for-the-board-[0-9a-f]{6}$/);
    expect(parse({ ...valid, id })).toMatchObject({ ok: true });
    expect(newReportId('???')).toMatch(/^report-[0-9a-f]{6}$/);
  });
});
