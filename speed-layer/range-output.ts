import type { AnalyticsEvent } from '../core/events/event';
import type { DedupWindow } from './dedup-window';
import { toRawRow, type RawEventRow } from './rows';
import type { WrittenSpan } from '../core/clickhouse/speed-view-version';

export interface SpeedOptions {
  /** Events older than this (event time vs. receivedAt) stay out of the speed view. */
  horizonMs: number;
  /** An event arriving this long after its hour ended is late for the batch layer's hourly run. */
  lateAfterMs: number;
}

export interface ConsumedMessage {
  offset: string;
  event: AnalyticsEvent;
}

export interface RangeOutput {
  /** The events the speed view takes (no duplicates, within the horizon), in offset order. */
  kept: AnalyticsEvent[];
  /** Their raw rows: ClickHouse's materialized views aggregate them (catalog-views.ts). */
  events: RawEventRow[];
  /** Beyond the horizon: project|hour -> events. */
  beyondHorizon: Map<string, number>;
  /** Hours the batch layer must recompute: project|hour -> late events. */
  lateHours: Map<string, number>;
  /** The event times this output changes (see writtenSpan); null when none. */
  span: WrittenSpan | null;
  duplicates: number;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * Everything one partition range writes, computed from the range alone (plus the dedup window,
 * which is itself a function of the log): rebuilding a range gives identical rows.
 */
export function buildRangeOutput(
  topic: string,
  partition: number,
  messages: ConsumedMessage[],
  dedup: DedupWindow,
  opts: SpeedOptions,
): RangeOutput {
  const kept: { event: AnalyticsEvent; offset: string }[] = [];
  const beyondHorizon = new Map<string, number>();
  const lateHours = new Map<string, number>();
  let duplicates = 0;
  const hourIso = new Map<number, string>();
  let from = Infinity;
  let to = -Infinity;
  for (const m of messages) {
    const e = m.event;
    const received = Date.parse(e.receivedAt);
    if (dedup.isDuplicate(`${e.projectId}:${e.eventId}`, received, BigInt(m.offset))) {
      duplicates++;
      continue;
    }
    const eventTime = Date.parse(e.timestamp);
    const hourStart = Math.floor(eventTime / HOUR) * HOUR;
    // Formatted only for events that need it, each hour once (a range spans a few hours).
    const hourKey = () => {
      let iso = hourIso.get(hourStart);
      if (iso === undefined) hourIso.set(hourStart, (iso = new Date(hourStart).toISOString()));
      return `${e.projectId}|${iso}`;
    };
    if (received - (hourStart + HOUR) > opts.lateAfterMs) {
      const k = hourKey();
      lateHours.set(k, (lateHours.get(k) ?? 0) + 1);
    }
    if (received - eventTime > opts.horizonMs) {
      const k = hourKey();
      beyondHorizon.set(k, (beyondHorizon.get(k) ?? 0) + 1);
      continue;
    }
    kept.push(m);
    const minute = Math.floor(eventTime / MINUTE) * MINUTE;
    if (minute < from) from = minute;
    if (minute + MINUTE > to) to = minute + MINUTE;
  }
  // Late and beyond-horizon hours change how those hours are answered: they count whole.
  for (const k of [...lateHours.keys(), ...beyondHorizon.keys()]) {
    const hour = Date.parse(k.slice(k.indexOf('|') + 1));
    if (hour < from) from = hour;
    if (hour + HOUR > to) to = hour + HOUR;
  }
  return {
    kept: kept.map((k) => k.event),
    events: kept.map((k) => toRawRow({ event: k.event, topic, partition, offset: k.offset })),
    beyondHorizon,
    lateHours,
    span: from < to ? { from, to } : null,
    duplicates,
  };
}
