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

/**
 * The clients' clocks against ours, per event: sentAt (the client's clock when it sent) minus
 * receivedAt (ours when it arrived), positive when the client runs ahead. Network time makes it
 * slightly negative on a true clock. Only events whose client sent sentAt are measured.
 */
export interface ClockSkew {
  measured: number;
  seconds: { p1: number; p50: number; p99: number; maxAbs: number };
  /** Share of the measured events whose clock was more than a minute off. */
  beyondMinuteShare: number;
}

export interface QualityAnswer {
  project: string;
  from: string;
  to: string;
  events: (EventQuality & {
    delaySeconds: { p50: number; p90: number; p99: number };
    clockSkew: ClockSkew;
  })[];
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
        SELECT event_id, any_value(event) AS event, min(event_time) AS t, min(received_at) AS r, count(*) AS copies,
               arg_min(sent_at, received_at) AS s
        FROM (SELECT * FROM read_parquet($globs, union_by_name = true)
              -- Lakes written before sent_at existed: the column, empty, all the same.
              UNION ALL BY NAME SELECT NULL::TIMESTAMP AS sent_at WHERE false)
        WHERE event_time >= $from AND event_time < $to GROUP BY event_id)`;
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
    const skews = new Map(
      (
        await this.run(
          `${perEvent}, k AS (SELECT event, epoch_ms(s) - epoch_ms(r) AS ms FROM e WHERE s IS NOT NULL)
           SELECT event, count(*), quantile_disc(ms, [0.01, 0.5, 0.99]), max(abs(ms)),
                  count(*) FILTER (WHERE abs(ms) > 60000)
           FROM k GROUP BY event`,
          rangeGlobs,
          { from: duckTime(from), to: duckTime(to) },
        )
      ).map((r): [string, ClockSkew] => {
        const [p1 = 0, p50 = 0, p99 = 0] = (r[2] as (number | string)[]).map((v) => Number(v) / 1000);
        const measured = Number(r[1]);
        return [
          String(r[0]),
          {
            measured,
            seconds: { p1, p50, p99, maxAbs: Number(r[3]) / 1000 },
            beyondMinuteShare: Number(r[4]) / measured,
          },
        ];
      }),
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
        const clockSkew = skews.get(e.event) ?? {
          measured: 0,
          seconds: { p1: 0, p50: 0, p99: 0, maxAbs: 0 },
          beyondMinuteShare: 0,
        };
        return { ...e, delaySeconds: { p50, p90, p99 }, clockSkew };
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
        clockSkew:
          "the client's sentAt minus our receivedAt (positive: its clock runs ahead), per event that carried sentAt; percentiles, largest, share beyond a minute",
        quarantineRate: 'quarantined / (quarantined + distinct events) over the range',
      },
    };
  }

  close(): void {
    this.queries.close();
  }
}
