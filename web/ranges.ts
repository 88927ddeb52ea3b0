import { localDay } from '../core/reports/periods';

/** Ranges a saved tile follows as time passes (serving-layer/dashboards/definition.ts). */
export const RANGE_PRESETS = ['last_hour', 'last_24h', 'last_7d', 'last_30d', 'today', 'yesterday'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export type TileRange = { preset: RangePreset } | { from: string; to: string };

const HOUR = 3_600_000;
const LAST: Record<string, number> = { last_hour: 1, last_24h: 24, last_7d: 24 * 7, last_30d: 24 * 30 };

export const presetLabel = (p: RangePreset) => p.replace('last_', 'last ').replace('_', ' ');

/**
 * The instants of a range, now. `last_*` end at the next whole hour, so an answer is stable
 * within the hour; today and yesterday are local days of the user's time zone.
 */
export function resolveRange(range: TileRange, zone: string, now = new Date()): { from: string; to: string } {
  if (!('preset' in range)) return range;
  if (range.preset === 'today') return spanOf(localDay(now, zone, 0));
  if (range.preset === 'yesterday') return spanOf(localDay(now, zone, 1));
  const end = Math.ceil(now.getTime() / HOUR) * HOUR;
  return {
    from: new Date(end - (LAST[range.preset] ?? 24) * HOUR).toISOString(),
    to: new Date(end).toISOString(),
  };
}

const spanOf = (s: { start: string; end: string }) => ({ from: s.start, to: s.end });
