import type { ClickHouseClient } from '@clickhouse/client';
import { speedViewVersion, speedViewVersionOf } from '../../core/clickhouse/speed-view-version';
import type { Granularity } from '../query/granularity';
import { STORED_EVENT_COLUMNS, storedEvent } from '../activity/stored-event';
import type { StoredEvent } from '../live/messages';
import type { MeasureCell, RegisterCell, SeriesQuery, ViewReader } from './series';

/** Bucketing functions by granularity: a fixed lookup, never text from the request. */
const BUCKET: Record<Granularity, string> = {
  minute: 'toStartOfMinute(minute)',
  hour: 'toStartOfHour(minute)',
  day: 'toStartOfDay(minute)',
};

/**
 * The dimension column of the answer: the value when grouping by it, else one empty value. Its
 * alias must not be `dim`: ClickHouse lets a SELECT alias stand for the column of that name in
 * WHERE, so `'' AS dim` would turn the dimension filter into `'' IN (...)`, matching nothing.
 */
const groupDim = (q: SeriesQuery) => (q.groupBy ? 'dim' : "''");

const chDateTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** The speed view in ClickHouse; every value of the request is a bound parameter. */
export class SpeedViewReader implements ViewReader {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    /** Whether the engine is chDB inside this process (the speed layer writes in this process). */
    private readonly inProcess: boolean,
    private readonly pollMs = 100,
  ) {}

  private params(q: SeriesQuery) {
    return {
      db: this.database,
      project: q.project,
      metric: q.metric,
      from: chDateTime(q.from),
      to: chDateTime(q.to),
      dims: [...(q.dims ?? [])],
    };
  }

  private where(q: SeriesQuery): string {
    return `project_id = {project:String} AND metric = {metric:String}
     AND minute >= {from:DateTime64(3, 'UTC')} AND minute < {to:DateTime64(3, 'UTC')}
     ${q.dims ? 'AND dim IN {dims:Array(String)}' : ''}`;
  }

  private polled?: { at: number; stamp: Promise<string> };

  /**
   * Changes whenever the speed view does. In-process (chDB) the speed layer counts its writes
   * (core/clickhouse/speed-view-version.ts). Against a ClickHouse server, written by other processes, every
   * write is recorded in speed_offsets under a growing version: that is polled, one query at a
   * time shared by concurrent requests, at most every `pollMs`, so a write is seen within it.
   */
  stamp(range?: { from: Date; to: Date }): Promise<string> | string {
    // In-process, writes say which event times they touched: a range they missed keeps its stamp.
    // A server's writes are polled as a whole (speed_offsets records ranges, not times).
    if (this.inProcess)
      return range
        ? `local:${speedViewVersionOf(this.client, range.from.getTime(), range.to.getTime())}`
        : `local:${speedViewVersion(this.client)}`;
    const now = Date.now();
    if (!this.polled || now - this.polled.at >= this.pollMs) {
      this.polled = { at: now, stamp: this.queryStamp() };
      this.polled.stamp.catch(() => (this.polled = undefined));
    }
    return this.polled.stamp;
  }

  private async queryStamp(): Promise<string> {
    const r = await this.client.query({
      query: `SELECT toString(count()) AS n, toString(sum(version)) AS v FROM {db:Identifier}.speed_offsets`,
      query_params: { db: this.database },
      format: 'JSONEachRow',
    });
    const [row] = await r.json<{ n: string; v: string }>();
    return `${row?.n}|${row?.v}`;
  }

  /** When the speed view last received an event of the project (null if it holds none). */
  async lastReceived(project: string): Promise<Date | null> {
    const r = await this.client.query({
      query: `SELECT toUnixTimestamp64Milli(max(received_at)) AS t, count() AS n
              FROM {db:Identifier}.speed_events WHERE project_id = {project:String}`,
      query_params: { db: this.database, project },
      format: 'JSONEachRow',
    });
    const [row] = await r.json<{ t: string | number; n: string | number }>();
    return row && Number(row.n) > 0 ? new Date(Number(row.t)) : null;
  }

  /** The project's latest events by arrival, newest first (the live events page). */
  async latestEvents(project: string, limit: number): Promise<StoredEvent[]> {
    const r = await this.client.query({
      query: `SELECT ${STORED_EVENT_COLUMNS} FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String} ORDER BY received_at DESC, event_id LIMIT {limit:UInt32}`,
      query_params: { db: this.database, project, limit },
      format: 'JSONEachRow',
    });
    return (await r.json<Record<string, string | null>>()).map((row) => storedEvent(row, 'speed'));
  }

  async measures(q: SeriesQuery): Promise<MeasureCell[]> {
    const r = await this.client.query({
      query: `SELECT toUnixTimestamp(${BUCKET[q.granularity]}) * 1000 AS bucket, ${groupDim(q)} AS dim_value,
                     toUInt64(sum(count)) AS count, sum(sum) AS sum
              FROM {db:Identifier}.speed_measures_minute WHERE ${this.where(q)}
              GROUP BY bucket, dim_value`,
      query_params: this.params(q),
      format: 'JSONEachRow',
    });
    return (
      await r.json<{ bucket: string | number; dim_value: string; count: string | number; sum: number }>()
    ).map((row) => ({
      bucket: Number(row.bucket),
      dim: row.dim_value,
      count: Number(row.count),
      sum: Number(row.sum),
    }));
  }

  async registers(q: SeriesQuery): Promise<RegisterCell[]> {
    const r = await this.client.query({
      query: `SELECT toUnixTimestamp(${BUCKET[q.granularity]}) * 1000 AS bucket, ${groupDim(q)} AS dim_value, reg, max(rank) AS rank
              FROM {db:Identifier}.speed_uniques_minute WHERE ${this.where(q)}
              GROUP BY bucket, dim_value, reg`,
      query_params: this.params(q),
      format: 'JSONEachRow',
    });
    return (await r.json<{ bucket: string | number; dim_value: string; reg: number; rank: number }>()).map(
      (row) => ({
        bucket: Number(row.bucket),
        dim: row.dim_value,
        reg: Number(row.reg),
        rank: Number(row.rank),
      }),
    );
  }
}
