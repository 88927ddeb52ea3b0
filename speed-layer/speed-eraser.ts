import type { ClickHouseClient } from '@clickhouse/client';
import { CLICKHOUSE_SUBJECT_ROWS, type ErasureSubject, type IdLink } from '../core/erasure/subject';
import { speedViewWritten } from '../core/clickhouse/speed-view-version';
import { catalogQueries } from './catalog-views';
import { writeGate } from './write-gate';

/** speed_events keeps raw rows 48 hours (its TTL), removed lazily by merges: minutes younger
 * than this still hold every raw row their aggregates were made of. */
const COMPLETE_FOR_MS = 47 * 3_600_000;

/** What an erasure did to the speed view: the minutes whose aggregates it recomputed. */
export interface SpeedErasure {
  minutes: number;
}

/**
 * Removes a user's rows from the speed view: the raw rows (a synchronous mutation: the parts
 * holding them are rewritten), and the minute aggregates they counted in, recomputed from the
 * minutes' remaining raw rows by the catalog's queries (its materialized views'), while the consumers of this
 * process wait (write-gate.ts). Idempotent for a given list of minutes.
 */
export class SpeedEraser {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly now: () => number = Date.now,
  ) {}

  async links(project: string, subject: ErasureSubject): Promise<IdLink[]> {
    const r = await this.client.query({
      query: `SELECT DISTINCT anonymous_id, if(type = 'alias', JSONExtractString(properties, 'previousId'), '') AS prev
              FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String} AND user_id IN {users:Array(String)}`,
      query_params: { db: this.database, project, users: subject.users },
      format: 'JSONEachRow',
    });
    return (await r.json<IdLink>()).map((l) => ({ anonymous_id: l.anonymous_id, prev: l.prev || null }));
  }

  /** The subject's raw rows: how many, and the minutes (unix seconds) holding them. */
  async survey(project: string, subject: ErasureSubject): Promise<{ rows: number; minutes: number[] }> {
    const r = await this.client.query({
      query: `SELECT toUnixTimestamp(toStartOfMinute(event_time)) AS m, count() AS n FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String} AND ${CLICKHOUSE_SUBJECT_ROWS} GROUP BY m ORDER BY m`,
      query_params: { db: this.database, project, users: subject.users, anons: subject.anons },
      format: 'JSONEachRow',
    });
    const found = await r.json<{ m: number | string; n: number | string }>();
    return { rows: found.reduce((a, x) => a + Number(x.n), 0), minutes: found.map((x) => Number(x.m)) };
  }

  async erase(project: string, subject: ErasureSubject, minutes: number[]): Promise<SpeedErasure> {
    const db = this.database;
    const ids = { db, project, users: subject.users, anons: subject.anons };
    // Older minutes may have lost raw rows to the TTL: recomputing them would drop other users'
    // counts. They lie far behind the batch watermark, which serves them instead.
    const recent = minutes.filter((m) => m * 1000 >= this.now() - COMPLETE_FOR_MS);
    return writeGate(this.client).alone(async () => {
      await this.client.command({
        query: `ALTER TABLE {db:Identifier}.speed_events DELETE
                WHERE project_id = {project:String} AND ${CLICKHOUSE_SUBJECT_ROWS}`,
        query_params: ids,
        clickhouse_settings: { mutations_sync: '2' },
      });
      if (recent.length > 0) await this.recompute(project, recent);
      speedViewWritten(this.client);
      return { minutes: recent.length };
    });
  }

  /**
   * Replaces the minutes' aggregates by those of their raw rows, computed by the catalog's own
   * queries (the materialized views'), in ClickHouse.
   */
  private async recompute(project: string, minutes: number[]): Promise<void> {
    const db = this.database;
    const at = { db, project, minutes };
    const where = `WHERE project_id = {project:String}
                     AND toUnixTimestamp(toStartOfMinute(event_time)) IN {minutes:Array(UInt32)}`;
    const queries = catalogQueries(`${db}.speed_events`, where);
    for (const [table, query] of [
      ['speed_measures_minute', queries.measures],
      ['speed_uniques_minute', queries.uniques],
    ] as const) {
      await this.client.command({
        query: `ALTER TABLE {db:Identifier}.${table} DELETE
                WHERE project_id = {project:String} AND toUnixTimestamp(minute) IN {minutes:Array(UInt32)}`,
        query_params: at,
        clickhouse_settings: { mutations_sync: '2' },
      });
      // Not deduplicated: a retried erasure inserts the very blocks it inserted before, after
      // deleting them, and ClickHouse would otherwise drop them as repeats.
      await this.client.command({
        query: `INSERT INTO ${db}.${table} ${query}`,
        query_params: at,
        clickhouse_settings: { insert_deduplicate: 0 },
      });
    }
  }
}
