import { failpoint } from '../core/failpoint';
import { openLakeDuckDB } from '../core/lake/duckdb-access';
import { eventHoursOf } from '../core/lake/events';
import { openExportTarget } from '../core/lake/export-target';
import { projectFolder } from '../core/lake/layout';
import type { LakeSettings } from '../core/lake/open-lake';
import { key, type LakeStorage } from '../core/lake/storage';
import { quoteLiteral } from '../batch-layer/sql-literal';
import { beating } from './heartbeat';

const DAY = 86_400_000;

export interface ExportDeps {
  lake: LakeStorage;
  /** Where exports may go besides the lake's store (its endpoint and credentials). */
  settings: LakeSettings;
  failpoints?: string[];
}

/** One day of a project's events to export. */
export interface ExportDayInput {
  project: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** file:///..., s3://..., gs://...; the lake's own `exports/` when absent. */
  toUrl?: string;
}

export interface ExportedDay {
  day: string;
  /** The file's key under the export's destination (absent when the day holds no events: no file is written). */
  file?: string;
  rows: number;
  bytes: number;
}

/** The key of a day's file under an export's destination. */
export const exportKey = (prefix: string, project: string, day: string) =>
  key(prefix, projectFolder(project), `date=${day}`, 'events.parquet');

export function createExportActivities(deps: ExportDeps) {
  return {
    /**
     * Writes one day of a project's events (each event once, in event-time order) as one Parquet
     * file, `project=P/date=D/events.parquet`, written whole: a retried attempt (the worker killed
     * mid-way) writes the same file again under the same name, never a second one.
     */
    async exportDay(input: ExportDayInput): Promise<ExportedDay> {
      const { project, day } = input;
      const start = Date.parse(`${day}T00:00:00Z`);
      const target = openExportTarget(deps.settings, input.toUrl);
      const fileKey = exportKey(target.prefix, project, day);
      const hours = await eventHoursOf(deps.lake, project, start, start + DAY);
      if (hours.length === 0) return { day, rows: 0, bytes: 0 };
      const globs = hours.map((h) => quoteLiteral(deps.lake.uri(key(h.key, '*.parquet'))));
      const db = await openLakeDuckDB(deps.lake, 2);
      const conn = await db.connect();
      try {
        return await beating(
          () => ({ day }),
          async () => {
            const tmp = await target.store.scratch('export.parquet');
            const select = `SELECT event_id::VARCHAR AS event_id, type::VARCHAR AS type, event::VARCHAR AS event,
                user_id::VARCHAR AS user_id, anonymous_id::VARCHAR AS anonymous_id, actor_id::VARCHAR AS actor_id,
                event_time::TIMESTAMP AS event_time, received_at::TIMESTAMP AS received_at,
                properties::VARCHAR AS properties, context::VARCHAR AS context
              FROM read_parquet([${globs.join(', ')}], union_by_name = true)
              WHERE event_time >= TIMESTAMP ${quoteLiteral(`${day} 00:00:00`)}
                AND event_time < TIMESTAMP ${quoteLiteral(`${day} 00:00:00`)} + INTERVAL 1 DAY
              QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY received_at) = 1
              ORDER BY event_time, event_id`;
            // COPY takes no parameters: the paths are the platform's own (the lake's files of a
            // validated project, its scratch file), the day was checked as YYYY-MM-DD.
            const r = await conn.runAndReadAll(
              `COPY (${select}) TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd, RETURN_STATS)`,
            );
            const stats = r.getRowObjectsJson()[0] as
              { count?: string | number; file_size_bytes?: string | number } | undefined;
            const rows = Number(stats?.count ?? 0);
            const bytes = Number(stats?.file_size_bytes ?? 0);
            await failpoint(
              deps.failpoints,
              'export-day-written',
              (m, f) => console.error(JSON.stringify({ msg: m, ...f })),
              {
                day,
              },
            );
            await target.store.publishFile(tmp, fileKey);
            return { day, file: fileKey, rows, bytes };
          },
        );
      } finally {
        conn.closeSync();
        db.closeSync();
      }
    },
  };
}
