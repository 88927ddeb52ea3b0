import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config/config';
import { localFiles } from '../../core/files/local-files';
import { eventHoursOf } from '../../core/lake/events';
import { key, type LakeStorage } from '../../core/lake/storage';
import type { MetricQuery } from '../query/metric-query';
import type { TimeRange } from '../query/time-range';
import { chTime } from '../views/raw-sql';
import { SqlSandbox } from './sql-sandbox';
import { INSIGHT_ID } from '../../core/insights/definition';
import type { InsightStore } from '../insights/insight-store';

/** The prefix naming a saved insight's answer as a table. */
export const INSIGHT_TABLE = 'insight_';
const INSIGHT_NAMES = /\binsight_([a-z0-9][a-z0-9_-]{0,62})/g;

const HOUR = 3_600_000;

/** Where each part of a SQL answer's range came from, as every answer says. */
export interface SqlParts {
  range: { from: string; to: string };
  /** The lake (Parquet, sealed hours) before `split`, the speed view from it on. */
  parts: { source: 'batch' | 'speed' | 'late'; from: string; to: string }[];
  watermark: string | null;
}

/**
 * The parts a SQL answer says it came from: before the split the lake ('batch'), except sealed
 * hours whose late events their views do not hold yet ('late': the lake and the speed view's rows,
 * each event once); from the split on, the speed view.
 */
export function partsOf(
  planned: { source: 'batch' | 'speed' | 'late'; from: string; to: string }[],
  split: Date,
  range: TimeRange,
): SqlParts['parts'] {
  const out: SqlParts['parts'] = [];
  const add = (source: SqlParts['parts'][number]['source'], from: string, to: string) => {
    const last = out[out.length - 1];
    if (last && last.source === source && last.to === from) last.to = to;
    else out.push({ source, from, to });
  };
  for (const p of planned) {
    if (Date.parse(p.from) >= split.getTime()) continue;
    const to = Math.min(Date.parse(p.to), split.getTime());
    add(p.source === 'late' ? 'late' : 'batch', p.from, new Date(to).toISOString());
  }
  if (range.to > split) add('speed', split.toISOString(), range.to.toISOString());
  return out;
}

/**
 * Analysts' SQL over one project's data, merged as every answer is (sql-tables.ts says how): the
 * plan of layers for the range, the lake's files of the project before the watermark, the speed
 * view's rows (read from ClickHouse as Parquet, never as JSON) and the identity graph, handed to
 * a locked engine of the request's own (sql-sandbox.ts).
 */
export class SqlQuery {
  constructor(
    private readonly config: Config,
    private readonly clickhouse: ClickHouseClient,
    private readonly metrics: MetricQuery,
    private readonly lake: LakeStorage,
    /** Saved insights, which a statement reads as tables (`insight_<id>`). */
    private readonly insights: Pick<InsightStore, 'get'>,
  ) {}

  /**
   * The locked engine for `statement` over the project's range: the merged tables, and each saved
   * insight the statement names (`"insight_<id>"`) as a table of its answer over the range
   * (hourly buckets up to 31 days, daily beyond: start, dim, value, source).
   */
  async open(
    project: string,
    range: TimeRange,
    statement: string,
  ): Promise<{ sandbox: SqlSandbox; parts: SqlParts }> {
    const { split, parts, watermark } = await this.metrics.layers.layersOf({ range, project });
    const lateHours = parts
      .filter((p) => p.source === 'late')
      .flatMap((p) => {
        const hours: number[] = [];
        for (let h = Math.floor(Date.parse(p.from) / HOUR) * HOUR; h < Date.parse(p.to); h += HOUR)
          hours.push(h);
        return hours;
      });
    const lakeFiles =
      split > range.from
        ? (await eventHoursOf(this.lake, project, range.from.getTime(), split.getTime())).flatMap((h) =>
            h.files.map((f) => this.lake.uri(key(h.key, f))),
          )
        : [];
    const speedFile =
      range.to > split || lateHours.length > 0
        ? await this.speedRows(project, range, split, lateHours)
        : undefined;
    try {
      const graph = await this.metrics.persons().graph(project);
      const sandbox = await SqlSandbox.open(
        this.lake,
        {
          lakeFiles,
          ...(speedFile ? { speedFile } : {}),
          split,
          from: range.from,
          to: range.to,
          sessionTimeoutMs: this.config.sessions.timeoutMs,
          joined: graph.joined(),
          allowed: lakeFiles,
        },
        { memoryMb: this.config.access.sqlMemoryMb },
      );
      try {
        await this.insightTables(sandbox, project, range, statement);
        await sandbox.lock();
      } catch (e) {
        sandbox.close();
        throw e;
      }
      return {
        sandbox,
        parts: {
          range: { from: range.from.toISOString(), to: range.to.toISOString() },
          parts: partsOf(parts, split, range),
          watermark,
        },
      };
    } finally {
      // The sandbox copied the rows into its own memory: the file is not needed past opening.
      if (speedFile) localFiles.remove(speedFile);
    }
  }

  /**
   * The answers of the saved insights the statement names, as tables (insight_<id>). The names are
   * found in the text: DuckDB's own table-name extraction gives up on a statement that joins a
   * view with a table not yet made. This is no check of what may run (the sandbox is): a name in a
   * comment only costs the answer of one of the project's own insights.
   */
  private async insightTables(sandbox: SqlSandbox, project: string, range: TimeRange, statement: string) {
    const named = new Set([...statement.matchAll(INSIGHT_NAMES)].map((m) => m[1]!));
    for (const id of named) {
      if (!INSIGHT_ID.test(id)) continue;
      const stored = await this.insights.get(project, id);
      if (!stored) continue; // DuckDB then says the table does not exist, naming it
      const granularity = range.to.getTime() - range.from.getTime() <= 31 * 86_400_000 ? 'hour' : 'day';
      const answer = await this.metrics
        .insights()
        .answer({ insight: stored.definition, project, range, granularity });
      await sandbox.addTable(
        `${INSIGHT_TABLE}${id}`,
        [
          { name: 'start', type: 'TIMESTAMP' },
          { name: 'dim', type: 'VARCHAR' },
          { name: 'value', type: 'DOUBLE' },
          { name: 'source', type: 'VARCHAR' },
        ],
        answer.buckets.map((b) => [
          b.start.replace('T', ' ').replace('Z', ''),
          b.dim ?? null,
          b.value,
          b.source,
        ]),
      );
    }
  }

  /**
   * The speed view's rows the answer reads, as a Parquet file ClickHouse wrote (its own encoding,
   * no JSON in between): those after the split, and those of sealed hours with late events.
   */
  private async speedRows(
    project: string,
    range: TimeRange,
    split: Date,
    lateHours: number[],
  ): Promise<string> {
    const result = await this.clickhouse.exec({
      query: `SELECT event_id, type, event, user_id, anonymous_id, actor_id, event_time, received_at, properties, context
              FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String}
                AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
                AND (event_time >= {split:DateTime64(3, 'UTC')}
                     OR toStartOfHour(event_time) IN {late:Array(DateTime('UTC'))})
              FORMAT Parquet`,
      query_params: {
        db: this.config.clickhouse.database,
        project,
        from: chTime(range.from),
        to: chTime(range.to),
        split: chTime(split),
        late: lateHours.map((h) => chTime(new Date(h)).slice(0, 19)),
      },
    });
    const chunks: Buffer[] = [];
    for await (const c of result.stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
    const dir = join(this.config.stateDir, 'sql-scratch');
    localFiles.ensureDir(dir, 0o700);
    const file = join(dir, `${randomUUID()}.parquet`);
    localFiles.writeAtomically(file, Buffer.concat(chunks));
    return file;
  }
}
