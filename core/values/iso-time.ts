import { z } from 'zod';

/**
 * The times the platform holds: from the Unix epoch to the end of year 9999. JavaScript's Date
 * reaches ±275,760 years, and a range at either edge (or in year 1) would make the engines and the
 * per-hour loops work for ever or fail: every time a caller gives is checked against these bounds.
 */
export const EARLIEST_TIME = Date.UTC(1970, 0, 1);
export const LATEST_TIME = Date.UTC(10_000, 0, 1) - 1;

/** What a caller is told when a time is not one the platform holds. */
export const timeBoundsMessage = (name: string) =>
  `${name} must be an ISO-8601 time between 1970-01-01 and 9999-12-31, such as 2026-01-31T00:00:00Z`;

/** Milliseconds since the epoch of an ISO-8601 time within the bounds, or undefined. */
export function boundedTime(v: string): number | undefined {
  const t = Date.parse(v);
  return Number.isFinite(t) && t >= EARLIEST_TIME && t <= LATEST_TIME ? t : undefined;
}

/** A definition's time field (an experiment's start, a tile's range): text within the bounds. */
export const isoTimeField = (name: string) =>
  z.string().refine((v) => boundedTime(v) !== undefined, timeBoundsMessage(name));
