// No imports: the web app bundles this file too (local days of the user's time zone).
export const REPORT_PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** A span of time, [start, end), as ISO-8601 UTC instants, with how people read it. */
export interface Span {
  start: string;
  end: string;
  label: string;
}

/** The windows one report run covers: its period, the one before (to compare), and chart buckets. */
export interface ReportWindows {
  period: Span;
  previous: Span;
  /** The period cut into local hours (daily) or local days (weekly, monthly). */
  buckets: Span[];
  previousBuckets: Span[];
}

const DAY_MS = 86_400_000;

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const partsFormat = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date and time in `timeZone` at instant `ms`. */
function civil(ms: number, timeZone: string): Civil {
  let f = partsFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    partsFormat.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
  };
}

/** Local time minus UTC, in ms, at instant `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const c = civil(ms, timeZone);
  return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute) - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The instant local midnight starts the civil date (y, m, d) in `timeZone`. Month and day may
 * overflow (day 0, day 32): they normalise like Date.UTC. Where a DST change skips midnight, the
 * day starts at the first local time that exists.
 */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  const want = new Date(wall);
  const got = civil(t, timeZone);
  // Landed on the day before (midnight fell into a DST gap): move to the first hour that exists.
  if (got.day !== want.getUTCDate()) t += (24 - got.hour) * 3_600_000 - got.minute * 60_000;
  return t;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The local day `daysBack` days before the one holding `at` in `timeZone` (0: today so far and the rest of it). */
export function localDay(at: Date, timeZone: string, daysBack = 0): { start: string; end: string } {
  const { year, month, day } = civil(at.getTime(), timeZone);
  return {
    start: iso(localMidnight(year, month, day - daysBack, timeZone)),
    end: iso(localMidnight(year, month, day - daysBack + 1, timeZone)),
  };
}

function fmt(ms: number, timeZone: string, opts: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, ...opts }).format(ms);
}

/** Local days from `start` until `end`, each from one local midnight to the next. */
function dayBuckets(
  y: number,
  m: number,
  d: number,
  days: number,
  tz: string,
  label: (ms: number) => string,
) {
  const out: Span[] = [];
  for (let i = 0; i < days; i++) {
    const s = localMidnight(y, m, d + i, tz);
    out.push({ start: iso(s), end: iso(localMidnight(y, m, d + i + 1, tz)), label: label(s) });
  }
  return out;
}

/** Local hours of [start, end): 23 or 25 of them on DST change days. */
function hourBuckets(start: number, end: number, tz: string): Span[] {
  const out: Span[] = [];
  for (let s = start; s < end; s += 3_600_000) {
    out.push({
      start: iso(s),
      end: iso(Math.min(s + 3_600_000, end)),
      label: fmt(s, tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    });
  }
  return out;
}

/**
 * The period a run at instant `at` reports on: the last whole local day, ISO week (Monday to
 * Sunday) or calendar month before `at` in `timeZone`, and the same-length period before it.
 * Pure: a run retried or re-run later for the same scheduled time covers the same period.
 */
export function reportWindows(period: ReportPeriod, timeZone: string, at: Date): ReportWindows {
  const now = civil(at.getTime(), timeZone);
  const { year: y, month: m, day: d } = now;
  if (period === 'daily') {
    const start = localMidnight(y, m, d - 1, timeZone);
    const end = localMidnight(y, m, d, timeZone);
    const prev = localMidnight(y, m, d - 2, timeZone);
    const label = (ms: number) =>
      fmt(ms, timeZone, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
    return {
      period: { start: iso(start), end: iso(end), label: label(start) },
      previous: { start: iso(prev), end: iso(start), label: label(prev) },
      buckets: hourBuckets(start, end, timeZone),
      previousBuckets: hourBuckets(prev, start, timeZone),
    };
  }
  if (period === 'weekly') {
    // ISO weekday of the local date: Monday 1 .. Sunday 7.
    const weekday = ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
    const monday = d - (weekday - 1);
    const dayLabel = (ms: number) => fmt(ms, timeZone, { weekday: 'short', day: 'numeric', month: 'short' });
    const span = (first: number): Span => {
      const s = localMidnight(y, m, first, timeZone);
      const e = localMidnight(y, m, first + 7, timeZone);
      const lastDay = localMidnight(y, m, first + 6, timeZone);
      return {
        start: iso(s),
        end: iso(e),
        label: `${fmt(s, timeZone, { day: 'numeric', month: 'short' })} - ${fmt(lastDay, timeZone, { day: 'numeric', month: 'short', year: 'numeric' })}`,
      };
    };
    return {
      period: span(monday - 7),
      previous: span(monday - 14),
      buckets: dayBuckets(y, m, monday - 7, 7, timeZone, dayLabel),
      previousBuckets: dayBuckets(y, m, monday - 14, 7, timeZone, dayLabel),
    };
  }
  const monthSpan = (month: number): { span: Span; days: number } => {
    const s = localMidnight(y, month, 1, timeZone);
    const days = Math.round((Date.UTC(y, month, 1) - Date.UTC(y, month - 1, 1)) / DAY_MS);
    return {
      span: {
        start: iso(s),
        end: iso(localMidnight(y, month + 1, 1, timeZone)),
        label: fmt(s, timeZone, { month: 'long', year: 'numeric' }),
      },
      days,
    };
  };
  const cur = monthSpan(m - 1);
  const prev = monthSpan(m - 2);
  const dayLabel = (ms: number) => fmt(ms, timeZone, { day: 'numeric', month: 'short' });
  return {
    period: cur.span,
    previous: prev.span,
    buckets: dayBuckets(y, m - 1, 1, cur.days, timeZone, dayLabel),
    previousBuckets: dayBuckets(y, m - 2, 1, prev.days, timeZone, dayLabel),
  };
}
