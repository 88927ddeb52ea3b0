import { describe, expect, it } from 'vitest';
import type { ReportDefinition } from '../core/reports/definition';
import { reportSpec } from './report-schedules';

const base: ReportDefinition = {
  id: 'k',
  name: 'K',
  project: 'p',
  metrics: ['events'],
  period: 'daily',
  timeZone: 'Europe/Paris',
  sendAt: '07:05',
  recipients: ['a@example.com'],
};

describe('report schedule spec', () => {
  it('fires at the local send time: daily, Mondays, or on the 1st', () => {
    expect(reportSpec(base)).toEqual({ calendars: [{ hour: 7, minute: 5 }], timezone: 'Europe/Paris' });
    expect(reportSpec({ ...base, period: 'weekly' }).calendars).toEqual([
      { hour: 7, minute: 5, dayOfWeek: 'MONDAY' },
    ]);
    expect(reportSpec({ ...base, period: 'monthly' }).calendars).toEqual([
      { hour: 7, minute: 5, dayOfMonth: 1 },
    ]);
  });
});
