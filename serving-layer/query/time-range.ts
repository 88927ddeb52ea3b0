import { boundedTime, timeBoundsMessage } from '../../core/values/iso-time';
import { BadQueryError } from './errors';

export interface TimeRange {
  from: Date;
  to: Date;
}

/** The longest range one request may read: every route that reads a span of time is held to it. */
export const MAX_RANGE_MS = 400 * 24 * 3600 * 1000;

/** Parses ?from&to (ISO-8601); defaults to the last 24 hours. Bad input is a 400 saying why. */
export function parseTimeRange(from: unknown, to: unknown, now = Date.now()): TimeRange {
  const parse = (v: unknown, name: string, fallback: number): Date => {
    if (v === undefined || v === '') return new Date(fallback);
    const t = typeof v === 'string' ? boundedTime(v) : undefined;
    if (t === undefined) throw new BadQueryError(timeBoundsMessage(name));
    return new Date(t);
  };
  // The default end is the next whole minute: requests within a minute share cached answers.
  const end = Math.ceil(now / 60_000) * 60_000 + 60_000;
  const range = { from: parse(from, 'from', end - 24 * 3600 * 1000), to: parse(to, 'to', end) };
  if (range.from >= range.to) throw new BadQueryError('from must be before to');
  if (range.to.getTime() - range.from.getTime() > MAX_RANGE_MS) {
    throw new BadQueryError('range is longer than 400 days: narrow from/to');
  }
  return range;
}
