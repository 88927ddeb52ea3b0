import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import { underBudget } from '../../core/lake/query-budget';
import { type DuckDBInstance, LIST, listValue, timestampValue, VARCHAR } from '@duckdb/node-api';
import { dayViewKey, hourViewKey } from '../../core/lake/layout';
import type { DayPointer, HourPointer } from '../../core/lake/records';
import { key, type LakeStorage } from '../../core/lake/storage';
import { batchViewStamp, readDayPointer, readHourPointer, readHoursStamp } from '../../core/lake/views';
import { readWatermarkHour } from '../../core/lake/watermark';
import type { Granularity } from '../query/granularity';
import type { MeasureCell, RegisterCell, SeriesQuery, ViewReader } from './series';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const hoursOf = (day: string) =>
  Array.from({ length: 24 }, (_, i) => new Date(Date.parse(`${day}T00:00:00Z`) + i * HOUR).toISOString());
/** Hour pointers read at once on a cold range. */
const POINTER_READS = 64;

/** Bucket expressions by granularity: a fixed lookup, never text from the request. */
const BUCKET: Record<Granularity, string> = {
  minute: "epoch_ms(date_trunc('minute', minute))",
  hour: "epoch_ms(date_trunc('hour', minute))",
  day: "epoch_ms(date_trunc('day', minute))",
};

/** The hours of a range that have a view in force, and an hour's pointer on demand. */
export interface HourViews {
  published(hourIso: string): boolean;
  pointer(hourIso: string): Promise<HourPointer | undefined>;
}

/**
 * Reads the batch views (Parquet in the lake) for the serving layer with embedded DuckDB: only
 * hours up to the batch watermark, which are sealed and authoritative.
 */
export class BatchViewReader implements ViewReader {
  /** Pointers read since the batch view last changed (a publish or the watermark moving). */
  private known = {
    stamp: '',
    pointers: new Map<string, HourPointer | undefined>(),
    /** Day pointers, by day (a day rolled up again changes the stamp too). */
    days: new Map<string, DayPointer | undefined>(),
    /** Days' hours stamps, by day (an hour's publish changes the batch view's stamp too). */
    hourStamps: new Map<string, string>(),
  };

  private constructor(
    private readonly db: DuckDBInstance,
    readonly lake: LakeStorage,
  ) {}

  static async open(lake: LakeStorage): Promise<BatchViewReader> {
    return new BatchViewReader(await openLakeDuckDB(lake, 2), lake);
  }

  /** Changes whenever the batch view does (a publish, the watermark moving). */
  stamp(): Promise<string> {
    return batchViewStamp(this.lake);
  }

  /** End of the last sealed hour (exclusive), or undefined when nothing is sealed yet. */
  async watermarkEnd(): Promise<Date | undefined> {
    const hour = await readWatermarkHour(this.lake);
    return hour ? new Date(Date.parse(hour) + HOUR) : undefined;
  }

  /** What is known as the batch view stands now: forgotten whenever its stamp changes. */
  private async current(): Promise<BatchViewReader['known']> {
    const stamp = await this.stamp();
    if (stamp !== this.known.stamp)
      this.known = { stamp, pointers: new Map(), days: new Map(), hourStamps: new Map() };
    return this.known;
  }

  /**
   * A lookup of the hour pointers of [from, to) as the batch view stands now: every publish
   * changes the stamp, so a pointer is read from the lake once per change, not once per query (a
   * 30-day range is 720).
   */
  async pointers(from: Date, to: Date): Promise<(hourIso: string) => HourPointer | undefined> {
    const hours: string[] = [];
    for (let h = Math.floor(from.getTime() / HOUR) * HOUR; h < to.getTime(); h += HOUR)
      hours.push(new Date(h).toISOString());
    return this.pointersOf(hours);
  }

  /**
   * Which hours of [from, to) have a view in force, reading as little as it can: a day its hours
   * stamp vouches for (see currentDays) answers for its hours from its own pointer, and only the
   * other hours' pointers are read (a cold sealed month: 60 reads, not 720). `pointer` reads one
   * hour's pointer when a caller needs more than whether it exists (a late hour's archived ranges).
   */
  async hourViews(from: Date, to: Date): Promise<HourViews> {
    const hours: string[] = [];
    for (let h = Math.floor(from.getTime() / HOUR) * HOUR; h < to.getTime(); h += HOUR)
      hours.push(new Date(h).toISOString());
    const vouched = await this.currentDays([...new Set(hours.map((h) => h.slice(0, 10)))]);
    const pointerOf = await this.pointersOf(hours.filter((h) => !vouched.has(h.slice(0, 10))));
    return {
      published: (hourIso) => {
        const day = vouched.get(hourIso.slice(0, 10));
        return day ? day.hourVersions?.[hourIso] !== undefined : pointerOf(hourIso) !== undefined;
      },
      pointer: async (hourIso) => (await this.pointersOf([hourIso]))(hourIso),
    };
  }

  private async pointersOf(hours: string[]): Promise<(hourIso: string) => HourPointer | undefined> {
    const { pointers } = await this.current();
    const missing = hours.filter((h) => !pointers.has(h));
    // Read side by side: a cold month is 720 small files, each a round trip to the lake's store.
    for (let i = 0; i < missing.length; i += POINTER_READS) {
      const batch = missing.slice(i, i + POINTER_READS);
      const read = await Promise.all(batch.map((h) => readHourPointer(this.lake, h)));
      batch.forEach((h, j) => pointers.set(h, read[j]));
    }
    return (hourIso) => pointers.get(hourIso);
  }

  /**
   * The rolled-up views of these days that hold exactly the hours' views in force now. A day whose
   * hours stamp is the one it recorded vouches for its hours in two reads (its pointer and the
   * stamp); otherwise (a day rolled up before stamps, or an hour published since) its 24 hour
   * pointers are compared with the versions it rolled up.
   */
  private async currentDays(days: string[]): Promise<Map<string, DayPointer>> {
    const known = await this.current();
    const missing = days.filter((d) => !known.days.has(d));
    for (let i = 0; i < missing.length; i += POINTER_READS) {
      const batch = missing.slice(i, i + POINTER_READS);
      const read = await Promise.all(
        batch.map(
          async (d) => [await readDayPointer(this.lake, d), await readHoursStamp(this.lake, d)] as const,
        ),
      );
      batch.forEach((d, j) => {
        known.days.set(d, read[j]?.[0]);
        known.hourStamps.set(d, read[j]?.[1] ?? '');
      });
    }
    const out = new Map<string, DayPointer>();
    const unvouched: string[] = [];
    for (const day of days) {
      const d = known.days.get(day);
      if (!d?.hourVersions) continue;
      if (d.hoursStamp !== undefined && d.hoursStamp === known.hourStamps.get(day)) out.set(day, d);
      else unvouched.push(day);
    }
    if (unvouched.length === 0) return out;
    const pointerOf = await this.pointersOf(unvouched.flatMap(hoursOf));
    for (const day of unvouched) {
      const d = known.days.get(day) as DayPointer & { hourVersions: Record<string, string> };
      if (hoursOf(day).every((h) => pointerOf(h)?.version === d.hourVersions[h])) out.set(day, d);
    }
    return out;
  }

  /**
   * The view files of [from, to): by day buckets, the daily view of each whole day that has a
   * current one (24 times fewer files, rows already summed), hourly views for the rest.
   */
  private async files(
    q: SeriesQuery,
    kind: 'measures' | 'uniques',
  ): Promise<{ hours: string[]; days: string[] }> {
    const out = { hours: [] as string[], days: [] as string[] };
    const wholeDays: string[] = [];
    if (q.granularity === 'day')
      for (let d = Math.ceil(q.from.getTime() / DAY) * DAY; d + DAY <= q.to.getTime(); d += DAY)
        wholeDays.push(new Date(d).toISOString().slice(0, 10));
    const days = await this.currentDays(wholeDays);
    const hours: string[] = [];
    for (let h = Math.floor(q.from.getTime() / HOUR) * HOUR; h < q.to.getTime();) {
      const day = new Date(h).toISOString().slice(0, 10);
      const d = h % DAY === 0 ? days.get(day) : undefined;
      if (d) {
        out.days.push(this.lake.uri(key(dayViewKey(day), d[kind])));
        h += DAY;
        continue;
      }
      hours.push(new Date(h).toISOString());
      h += HOUR;
    }
    const pointerOf = await this.pointersOf(hours);
    for (const hour of hours) {
      const p = pointerOf(hour);
      if (p) out.hours.push(this.lake.uri(key(hourViewKey(hour), p[kind])));
    }
    return out;
  }

  private async rows(q: SeriesQuery, kind: 'measures' | 'uniques', select: string, groupBy: string) {
    const files = await this.files(q, kind);
    if (files.hours.length + files.days.length === 0) return [];
    // Day views name their time column `day`: read as the minute of the day's start.
    const columns = kind === 'measures' ? 'count, sum' : 'reg, rank';
    const sources = [
      ...(files.hours.length > 0
        ? [`SELECT project_id, minute, metric, dim, ${columns} FROM read_parquet($hours)`]
        : []),
      ...(files.days.length > 0
        ? [`SELECT project_id, day AS minute, metric, dim, ${columns} FROM read_parquet($days)`]
        : []),
    ];
    const conn = await this.db.connect();
    try {
      const r = await underBudget(conn, () =>
        conn.runAndReadAll(
          `SELECT ${select} FROM (${sources.join(' UNION ALL ')})
         WHERE project_id = $project AND metric = $metric AND minute >= $from AND minute < $to
           AND (NOT $filtered OR list_contains($dims, dim))
         GROUP BY ${groupBy}`,
          {
            ...(files.hours.length > 0 ? { hours: listValue(files.hours) } : {}),
            ...(files.days.length > 0 ? { days: listValue(files.days) } : {}),
            filtered: q.dims !== undefined,
            dims: listValue([...(q.dims ?? [])]),
            project: q.project,
            metric: q.metric,
            from: timestampValue(BigInt(q.from.getTime()) * 1000n),
            to: timestampValue(BigInt(q.to.getTime()) * 1000n),
          },
          {
            ...(files.hours.length > 0 ? { hours: LIST(VARCHAR) } : {}),
            ...(files.days.length > 0 ? { days: LIST(VARCHAR) } : {}),
            dims: LIST(VARCHAR),
          },
        ),
      );
      return r.getRowObjectsJson();
    } finally {
      conn.closeSync();
    }
  }

  async measures(q: SeriesQuery): Promise<MeasureCell[]> {
    const dim = q.groupBy ? 'dim' : "''";
    const rows = await this.rows(
      q,
      'measures',
      `${BUCKET[q.granularity]} AS bucket, ${dim} AS dim, sum(count)::BIGINT AS count, sum(sum)::DOUBLE AS sum`,
      'ALL',
    );
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      dim: String(r.dim),
      count: Number(r.count),
      sum: Number(r.sum),
    }));
  }

  async registers(q: SeriesQuery): Promise<RegisterCell[]> {
    const dim = q.groupBy ? 'dim' : "''";
    const rows = await this.rows(
      q,
      'uniques',
      `${BUCKET[q.granularity]} AS bucket, ${dim} AS dim, reg::INT AS reg, max(rank)::INT AS rank`,
      'ALL',
    );
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      dim: String(r.dim),
      reg: Number(r.reg),
      rank: Number(r.rank),
    }));
  }

  /** A first query on the instance (its first costs a few milliseconds more than the next). */
  async warm(): Promise<void> {
    const conn = await this.db.connect();
    try {
      await conn.run('SELECT 1');
    } finally {
      conn.closeSync();
    }
  }

  close(): void {
    this.db.closeSync();
  }
}
