/**
 * Data-quality figures from per-(event, hour) counts, pure: what GET /v1/quality answers.
 *
 * - volume: an hour is an anomaly when its count (distinct events) is outside the band of the
 *   same hour of the previous weeks that had data: below half their minimum or above one and a
 *   half times their maximum. At least BASELINE_MIN_WEEKS weeks are needed to judge.
 * - duplicates: stored copies beyond the first of an event id (client retries);
 * - late: events received after their event hour had ended (they reach sealed hours);
 * - delay: received minus event time, as percentiles.
 */
export const BASELINE_WEEKS = 4;
export const BASELINE_MIN_WEEKS = 2;
const WEEK = 7 * 86_400_000;

export interface HourCount {
  event: string;
  hour: number;
  /** Distinct event ids. */
  events: number;
  /** Stored rows (duplicates included). */
  rows: number;
  late: number;
}

export interface VolumeAnomaly {
  event: string;
  hour: string;
  count: number;
  baseline: number[];
  band: [number, number];
  direction: 'high' | 'low';
}

export interface EventQuality {
  event: string;
  events: number;
  duplicates: number;
  duplicateRate: number;
  late: number;
  lateShare: number;
}

/** The band of an hour from the same hour of earlier weeks; undefined with too few weeks. */
export function volumeBand(baseline: number[]): [number, number] | undefined {
  if (baseline.length < BASELINE_MIN_WEEKS) return undefined;
  return [0.5 * Math.min(...baseline), 1.5 * Math.max(...baseline)];
}

/**
 * Per event: totals over [from, to) and the hours whose volume is outside their band. `counts`
 * holds the range and the BASELINE_WEEKS weeks before it; an hour with no events counts as 0 when
 * earlier weeks had some (a stream that stopped is an anomaly too).
 */
export function eventQuality(
  counts: HourCount[],
  from: number,
  to: number,
): { events: EventQuality[]; anomalies: VolumeAnomaly[] } {
  const byKey = new Map(counts.map((c) => [`${c.event}|${c.hour}`, c]));
  const names = [...new Set(counts.map((c) => c.event))].sort();
  const events: EventQuality[] = [];
  const anomalies: VolumeAnomaly[] = [];
  const firstHour = Math.ceil(from / 3_600_000) * 3_600_000;
  for (const event of names) {
    let total = 0;
    let rows = 0;
    let late = 0;
    // Only whole hours of the range are judged for volume.
    for (let h = firstHour; h + 3_600_000 <= to; h += 3_600_000) {
      const c = byKey.get(`${event}|${h}`);
      const baseline: number[] = [];
      for (let w = 1; w <= BASELINE_WEEKS; w++) {
        const b = byKey.get(`${event}|${h - w * WEEK}`);
        if (b) baseline.push(b.events);
      }
      const band = volumeBand(baseline);
      const count = c?.events ?? 0;
      if (band && (count < band[0] || count > band[1]))
        anomalies.push({
          event,
          hour: new Date(h).toISOString(),
          count,
          baseline,
          band,
          direction: count > band[1] ? 'high' : 'low',
        });
    }
    for (const c of counts) {
      if (c.event !== event || c.hour < Math.floor(from / 3_600_000) * 3_600_000 || c.hour >= to) continue;
      total += c.events;
      rows += c.rows;
      late += c.late;
    }
    if (total === 0) continue;
    events.push({
      event,
      events: total,
      duplicates: rows - total,
      duplicateRate: (rows - total) / rows,
      late,
      lateShare: late / total,
    });
  }
  return { events, anomalies };
}
