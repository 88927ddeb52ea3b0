import { TIMESTAMP, timestampValue } from '@duckdb/node-api';
import { LakeQueries } from '../../core/lake/duckdb-access';
import { hoursOf } from '../../core/lake/events';
import { key, type LakeStorage } from '../../core/lake/storage';
import type { TimeRange } from '../query/time-range';
import {
  BASELINE_WEEKS,
  eventQuality,
  type EventQuality,
  type HourCount,
  type VolumeAnomaly,
} from './quality';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const duckTime = (ms: number) => timestampValue(BigInt(ms) * 1000n);

export interface QualityAnswer {
  project: string;
  from: string;
  to: string;
  events: (EventQuality & { delaySeconds: { p50: number; p90: number; p99: number } })[];
  anomalies: VolumeAnomaly[];
  quarantine: { total: number; rate: number; reasons: { reason: string; count: number }[] };
  definitions: Record<string, string>;
}

/**
 * Data quality of a project over whole hours, from the lake (every archived event and quarantined
 * record): volume against the same hour of earlier weeks, duplicates, late arrivals, delivery
 * delay, quarantine rate and reasons. See quality.ts for each definition.
 */
export class QualityQuery {
  private readonly queries: LakeQueries;

  constructor(private readonly lake: LakeStorage) {
    this.queries = new LakeQueries(lake, 2);
  }

  private run(sql: string, globs: string[], params: Record<string, unknown>): Promise<unknown[][]> {
    return this.queries.rows(sql, globs, params, { from: TIMESTAMP, to: TIMESTAMP });
  }

  private async globs(dataset: 'events' | 'quarantine', project: string, from: number, to: number) {
    return (await hoursOf(this.lake, dataset, project, from, to)).map((h) =>
      this.lake.uri(key(h.key, '*.parquet')),
    );
  }

  async quality(project: string, range: TimeRange): Promise<QualityAnswer> {
    const from = Math.floor(range.from.getTime() / HOUR) * HOUR;
    const to = Math.ceil(range.to.getTime() / HOUR) * HOUR;
    const since = from - BASELINE_WEEKS * WEEK;
    // Each event once (by id, its first copy's times), with how many copies the lake holds.
    const perEvent = `WITH e AS (
        SELECT event_id, any_value(event) AS event, min(event_time) AS t, min(received_at) AS r, count(*) AS copies
        FROM read_parquet($globs, union_by_name = true) WHERE event_time >= $from AND event_time < $to GROUP BY event_id)`;
    const counts: HourCount[] = (
      await this.run(
        `${perEvent}
         SELECT event, epoch_ms(date_trunc('hour', t)), count(*), sum(copies),
                count(*) FILTER (WHERE r >= date_trunc('hour', t) + INTERVAL 1 HOUR)
         FROM e GROUP BY ALL`,
        await this.globs('events', project, since, to),
        { from: duckTime(since), to: duckTime(to) },
      )
    ).map((r) => ({
      event: String(r[0]),
      hour: Number(r[1]),
      events: Number(r[2]),
      rows: Number(r[3]),
      late: Number(r[4]),
    }));
    const rangeGlobs = await this.globs('events', project, from, to);
    const delays = new Map(
      (
        await this.run(
          `${perEvent}
           SELECT event, quantile_disc(epoch_ms(r) - epoch_ms(t), [0.5, 0.9, 0.99]) FROM e GROUP BY event`,
          rangeGlobs,
          { from: duckTime(from), to: duckTime(to) },
        )
      ).map((r) => [String(r[0]), (r[1] as (number | string)[]).map((v) => Math.max(0, Number(v)) / 1000)]),
    );
    const { events, anomalies } = eventQuality(counts, from, to);
    const reasons = (
      await this.run(
        `SELECT reason, count(*) FROM read_parquet($globs, union_by_name = true)
         WHERE received_at >= $from AND received_at < $to GROUP BY reason ORDER BY 2 DESC, 1 LIMIT 20`,
        await this.globs('quarantine', project, from, to),
        { from: duckTime(from), to: duckTime(to) },
      )
    ).map((r) => ({ reason: String(r[0]), count: Number(r[1]) }));
    const quarantined = reasons.reduce((n, r) => n + r.count, 0);
    const accepted = events.reduce((n, e) => n + e.events, 0);
    return {
      project,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      events: events.map((e) => {
        const [p50 = 0, p90 = 0, p99 = 0] = delays.get(e.event) ?? [];
        return { ...e, delaySeconds: { p50, p90, p99 } };
      }),
      anomalies,
      quarantine: {
        total: quarantined,
        rate: quarantined + accepted === 0 ? 0 : quarantined / (quarantined + accepted),
        reasons,
      },
      definitions: {
        range: 'whole UTC hours covering from..to; events by event time, quarantined records by arrival',
        anomaly: `an hour's distinct events outside [0.5 x min, 1.5 x max] of the same hour in the previous ${BASELINE_WEEKS} weeks that had data (at least 2)`,
        duplicates: 'stored copies beyond the first of an event id (client retries)',
        late: 'events received after their event hour ended',
        delaySeconds: 'received minus event time, per event, percentiles',
        quarantineRate: 'quarantined / (quarantined + distinct events) over the range',
      },
    };
  }

  close(): void {
    this.queries.close();
  }
}
