/**
 * Calendar buckets in a viewer's time zone: the day, ISO week (Monday first) or month an instant
 * falls in, as the UTC instant of its local start. Offsets come from the IANA database Node
 * carries (Intl), so summer time and zones a half or quarter hour off UTC are handled.
 */
export type CalendarUnit = 'day' | 'week' | 'month';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f)
    formatters.set(
      tz,
      (f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })),
    );
  return f;
}

/** Whether the name is a time zone this runtime knows (IANA, e.g. Europe/Paris, or UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone. */
function wall(
  ms: number,
  tz: string,
): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {
    y: Number(parts.year),
    m: Number(parts.month),
    d: Number(parts.day),
    h: Number(parts.hour),
    min: Number(parts.minute),
    s: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
export function offsetAt(ms: number, tz: string): number {
  const w = wall(ms, tz);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local midnight (y, m 1-12, d) begins in the zone. Where summer time skips
 * midnight, the first instant of that day.
 */
function localMidnight(y: number, m: number, d: number, tz: string): number {
  const naive = Date.UTC(y, m - 1, d);
  // Two rounds settle the offset on either side of a change of offset.
  let at = naive - offsetAt(naive, tz);
  at = naive - offsetAt(at, tz);
  const w = wall(at, tz);
  if (w.d !== new Date(naive).getUTCDate()) at += 3_600_000; // midnight skipped: 01:00 local
  return at;
}

/** The start (UTC instant) of the local day, ISO week or month holding `ms`. */
export function calendarStart(ms: number, unit: CalendarUnit, tz: string): number {
  const w = wall(ms, tz);
  if (unit === 'month') return localMidnight(w.y, w.m, 1, tz);
  if (unit === 'day') return localMidnight(w.y, w.m, w.d, tz);
  const day = new Date(Date.UTC(w.y, w.m - 1, w.d));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  day.setUTCDate(day.getUTCDate() - sinceMonday);
  return localMidnight(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), tz);
}

/**
 * The longest step (ms, from the epoch) whose buckets each fall inside one local day of the zone
 * over [from, to): a day where the zone is UTC throughout, an hour when every offset in it is
 * whole hours, else a quarter of an hour (India's +5:30, Nepal's +5:45). Engines count per such step; calendarStart rolls them up.
 */
export function stepWithinDays(from: number, to: number, tz: string): number {
  const HOUR = 3_600_000;
  let utc = true;
  for (let t = from; t < to + HOUR; t += 6 * HOUR) {
    const offset = offsetAt(Math.min(t, to), tz);
    if (offset % HOUR !== 0) return 15 * 60_000;
    if (offset !== 0) utc = false;
  }
  return utc ? 24 * HOUR : HOUR;
}
