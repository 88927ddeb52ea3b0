import { CLICKHOUSE_SUBJECT_ROWS, DUCKDB_SUBJECT_ROWS } from '../../core/erasure/subject';
import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { underBudget } from '../../core/lake/query-budget';
import { type DuckDBInstance, LIST, listValue, TIMESTAMP, timestampValue, VARCHAR } from '@duckdb/node-api';
import type { Config } from '../../core/config/config';
import { projectFolder } from '../../core/lake/layout';
import { key } from '../../core/lake/storage';
import { BATCH_VIEWS, CLICKHOUSE, CONFIG } from '../injection-tokens';
import type { BatchViewReader } from '../views/batch-view-reader';
import type { StoredEvent } from '../live/messages';
import { isoTime, STORED_EVENT_COLUMNS, storedEvent } from './stored-event';
import { MetricQuery } from '../query/metric-query';
import { idsOf } from '../../core/persons/identity-calls';

export type { StoredEvent };

export interface UserActivity {
  userId: string;
  project: string;
  events: number;
  firstSeen: string | null;
  lastSeen: string | null;
  byEvent: Record<string, number>;
  recent: StoredEvent[];
}

/**
 * One event, or one user's activity: the speed view holds the last hours (its horizon), the lake
 * holds everything; for a user's summary, event time splits them (lake before the horizon, speed
 * after) so nothing is counted twice.
 */
@Injectable()
export class ActivityService {
  private duck?: Promise<DuckDBInstance>;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    @Inject(BATCH_VIEWS) private readonly batch: BatchViewReader,
    @Inject(MetricQuery) private readonly metrics: MetricQuery,
  ) {}

  /** Every event file of the project in the lake, as a glob; undefined when it has none yet. */
  private async lakeGlob(project: string): Promise<string | undefined> {
    const lake = this.batch.lake;
    const dir = key('events', projectFolder(project));
    return (await lake.list(dir)).length > 0 ? lake.uri(key(dir, '**', '*.parquet')) : undefined;
  }

  private async lake<T>(
    sql: string,
    params: Record<string, unknown>,
    types?: Record<string, unknown>,
  ): Promise<T[]> {
    this.duck ??= openLakeDuckDB(this.batch.lake, 1);
    const conn = await (await this.duck).connect();
    try {
      return await underBudget(
        conn,
        async () =>
          (await conn.runAndReadAll(sql, params as never, types as never)).getRowObjectsJson() as T[],
      );
    } finally {
      conn.closeSync();
    }
  }

  async event(project: string, id: string): Promise<StoredEvent> {
    const r = await this.clickhouse.query({
      query: `SELECT ${STORED_EVENT_COLUMNS}
              FROM {db:Identifier}.speed_events WHERE project_id = {project:String} AND event_id = {id:String} LIMIT 1`,
      query_params: { db: this.config.clickhouse.database, project, id },
      format: 'JSONEachRow',
    });
    const row = (await r.json<Record<string, string | null>>())[0];
    if (row) return storedEvent(row, 'speed');
    const glob = await this.lakeGlob(project);
    const rows = glob
      ? await this.lake<Record<string, string | null>>(
          `SELECT event_id, type, event, user_id, anonymous_id, strftime(event_time, '%Y-%m-%d %H:%M:%S.%g') AS t,
                  strftime(received_at, '%Y-%m-%d %H:%M:%S.%g') AS r, properties, context
           FROM read_parquet($glob) WHERE event_id = $id ORDER BY received_at LIMIT 1`,
          { glob, id },
        )
      : [];
    if (!rows[0]) throw new NotFoundException(`no event '${id}' in this project`);
    return storedEvent(rows[0], 'lake');
  }

  async user(project: string, userId: string, now = Date.now()): Promise<UserActivity> {
    // The speed view answers for event times after this; the lake before it.
    const split = new Date(now - this.config.speed.horizonMs + 3_600_000);
    const speed = await this.clickhouse.query({
      query: `SELECT event, toUInt64(count()) AS n, toString(min(event_time)) AS first, toString(max(event_time)) AS last
              FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String} AND user_id = {user:String} AND event_time >= {split:DateTime64(3, 'UTC')}
              GROUP BY event`,
      query_params: {
        db: this.config.clickhouse.database,
        project,
        user: userId,
        split: split.toISOString().replace('T', ' ').replace('Z', ''),
      },
      format: 'JSONEachRow',
    });
    const rows: { event: string; n: number; first: string; last: string }[] = (
      await speed.json<{ event: string; n: string; first: string; last: string }>()
    ).map((r) => ({ ...r, n: Number(r.n) }));
    const glob = await this.lakeGlob(project);
    if (glob) {
      const lakeRows = await this.lake<{ event: string; n: string; first: string; last: string }>(
        `SELECT event, count(DISTINCT event_id)::BIGINT AS n, strftime(min(event_time), '%Y-%m-%d %H:%M:%S.%g') AS first,
                strftime(max(event_time), '%Y-%m-%d %H:%M:%S.%g') AS last
         FROM read_parquet($glob) WHERE user_id = $user AND event_time < $split GROUP BY event`,
        { glob, user: userId, split: timestampValue(BigInt(split.getTime()) * 1000n) },
      );
      rows.push(...lakeRows.map((r) => ({ ...r, n: Number(r.n) })));
    }
    if (rows.length === 0) throw new NotFoundException(`no activity for user '${userId}' in this project`);
    // Event names are the senders' own: a Map, so 'constructor' or '__proto__' count as any other.
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.event, (counts.get(r.event) ?? 0) + r.n);
    const times = rows.flatMap((r) => [isoTime(r.first), isoTime(r.last)]).sort();
    const recent = await this.clickhouse.query({
      query: `SELECT ${STORED_EVENT_COLUMNS}
              FROM {db:Identifier}.speed_events WHERE project_id = {project:String} AND user_id = {user:String}
              ORDER BY event_time DESC LIMIT 20`,
      query_params: { db: this.config.clickhouse.database, project, user: userId },
      format: 'JSONEachRow',
    });
    return {
      userId,
      project,
      events: [...counts.values()].reduce((a, b) => a + b, 0),
      firstSeen: times[0] ?? null,
      lastSeen: times[times.length - 1] ?? null,
      byEvent: Object.fromEntries(counts),
      recent: (await recent.json<Record<string, string | null>>()).map((r) => storedEvent(r, 'speed')),
    };
  }

  /**
   * Every event of a user's person, oldest first, each once: by each of the person's user ids
   * (the user's own, and ids an alias call joined) and, for events without a user id, by each of
   * the person's anonymous ids (devices joined by identify calls, previous ids joined by alias) —
   * the identity graph's person (GET /v1/persons/:id), so a device another signed-in user also
   * used stays the person's it was first identified as, and that user's events from it are theirs.
   * An erasure covers these ids and more: it follows every anonymous id seen with the user,
   * shared devices included (core/erasure/subject.ts), so nothing of theirs is left. The lake
   * answers before the split, the speed view after.
   */
  async export(project: string, userId: string, now = Date.now()): Promise<StoredEvent[]> {
    const split = new Date(now - this.config.speed.horizonMs + 3_600_000);
    const glob = await this.lakeGlob(project);
    const db = this.config.clickhouse.database;
    const chSplit = split.toISOString().replace('T', ' ').replace('Z', '');
    const graph = await this.metrics.persons().graph(project);
    const { users, anons } = idsOf([...new Set([userId, ...graph.actorsOf(userId)])]);
    const events: StoredEvent[] = [];
    if (glob) {
      const rows = await this.lake<Record<string, string | null>>(
        `SELECT event_id, any_value(type) AS type, any_value(event) AS event, any_value(user_id) AS user_id,
                any_value(anonymous_id) AS anonymous_id, strftime(min(event_time), '%Y-%m-%d %H:%M:%S.%g') AS t,
                strftime(min(received_at), '%Y-%m-%d %H:%M:%S.%g') AS r, any_value(properties) AS properties,
                any_value(context) AS context
         FROM read_parquet($glob)
         WHERE (${DUCKDB_SUBJECT_ROWS}) AND event_time < $split
         GROUP BY event_id ORDER BY t, event_id`,
        {
          glob,
          users: listValue(users),
          anons: listValue(anons),
          split: timestampValue(BigInt(split.getTime()) * 1000n),
        },
        { glob: VARCHAR, users: LIST(VARCHAR), anons: LIST(VARCHAR), split: TIMESTAMP },
      );
      events.push(...rows.map((r) => storedEvent(r, 'lake')));
    }
    const speed = await this.clickhouse.query({
      query: `SELECT ${STORED_EVENT_COLUMNS}
              FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String} AND event_time >= {split:DateTime64(3, 'UTC')}
                AND ${CLICKHOUSE_SUBJECT_ROWS}
              ORDER BY event_time, event_id`,
      query_params: { db, project, split: chSplit, users, anons },
      format: 'JSONEachRow',
    });
    events.push(...(await speed.json<Record<string, string | null>>()).map((r) => storedEvent(r, 'speed')));
    return events;
  }
}
