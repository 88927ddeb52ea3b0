import { LIST, listValue, VARCHAR, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import {
  DUCKDB_SUBJECT_RAW,
  DUCKDB_SUBJECT_ROWS,
  type ErasureSubject,
  type IdLink,
} from '../core/erasure/subject';
import { hoursOf } from '../core/lake/events';
import { openLakeDuckDB } from '../core/lake/duckdb-access';
import { EVENTS } from '../core/lake/layout';
import { key, type LakeStorage } from '../core/lake/storage';
import { failpoint } from '../core/failpoint';
import { quoteLiteral } from './sql-literal';

/** What an erasure did to the lake: files rewritten, rows removed, the event hours they held. */
export interface LakeErasure {
  files: number;
  rows: number;
  quarantineRows: number;
  /** Event hours (ISO) whose files lost rows: their views are recomputed. */
  hours: string[];
}

type Dataset = typeof EVENTS | 'quarantine';

const PREDICATE: Record<Dataset, string> = { events: DUCKDB_SUBJECT_ROWS, quarantine: DUCKDB_SUBJECT_RAW };

/**
 * Removes a user's rows from the lake: each file that holds some is rewritten without them under
 * its own name (the name is its Kafka range, which exactly-once replay relies on), whole and at
 * once (scratch file, then published); a file holding none is not touched, byte for byte.
 * Idempotent: a second run finds nothing to rewrite, so a worker killed half-way resumes.
 */
export class LakeEraser {
  private duck?: Promise<DuckDBInstance>;

  constructor(
    private readonly lake: LakeStorage,
    private readonly options: {
      failpoints?: string[];
      log?: (msg: string, fields: Record<string, unknown>) => void;
    } = {},
  ) {}

  /** The ids the lake links to the subject's users: anonymous ids they were seen with, aliases. */
  async links(project: string, subject: ErasureSubject): Promise<IdLink[]> {
    const files = await this.files(EVENTS, project);
    if (files.length === 0) return [];
    return this.withConnection(async (conn) => {
      const r = await conn.runAndReadAll(
        `SELECT DISTINCT anonymous_id,
                CASE WHEN type = 'alias' THEN json_extract_string(properties, '$.previousId') END AS prev
         FROM read_parquet($files) WHERE list_contains($users, user_id)`,
        { files: listValue(files.map((f) => f.uri)), users: listValue(subject.users) },
        { files: LIST(VARCHAR), users: LIST(VARCHAR) },
      );
      return r.getRowObjectsJson() as unknown as IdLink[];
    });
  }

  /**
   * What the lake holds of the subject, before anything is rewritten: the erasure's audit counts
   * and the hours to recompute come from here, so a run resumed after a crash (some files already
   * rewritten) still reports and recomputes everything.
   */
  async survey(project: string, subject: ErasureSubject): Promise<LakeErasure> {
    const out: LakeErasure = { files: 0, rows: 0, quarantineRows: 0, hours: [] };
    const hours = new Set<string>();
    for (const dataset of [EVENTS, 'quarantine'] as const) {
      for (const { file, rows } of await this.holding(dataset, await this.files(dataset, project), subject)) {
        out.files++;
        if (dataset === EVENTS) {
          out.rows += rows;
          hours.add(file.hour);
        } else out.quarantineRows += rows;
      }
    }
    out.hours = [...hours].sort();
    return out;
  }

  /**
   * Rewrites every event and quarantine file of the project that still holds the subject's rows;
   * returns how many files it rewrote.
   */
  async erase(project: string, subject: ErasureSubject, progress: (done: number) => void): Promise<number> {
    let done = 0;
    for (const dataset of [EVENTS, 'quarantine'] as const) {
      for (const { file } of await this.holding(dataset, await this.files(dataset, project), subject)) {
        await this.rewrite(dataset, file, subject);
        progress(++done);
        await failpoint(this.options.failpoints, 'erase-lake-file-rewritten', this.options.log, {
          file: file.key,
        });
      }
    }
    return done;
  }

  close(): void {
    void this.duck?.then((d) => d.closeSync());
  }

  /** Every file of a project's dataset: its key, where DuckDB reads it, and its hour. */
  private async files(dataset: Dataset, project: string) {
    const out: { key: string; uri: string; hour: string }[] = [];
    for (const h of await hoursOf(this.lake, dataset, project, 0, Number.POSITIVE_INFINITY)) {
      for (const name of await this.lake.list(h.key)) {
        if (!name.endsWith('.parquet')) continue;
        const k = key(h.key, name);
        out.push({ key: k, uri: this.lake.uri(k), hour: new Date(h.hour).toISOString() });
      }
    }
    return out;
  }

  /** The files with at least one of the subject's rows and how many, in one pass over the dataset. */
  private async holding(
    dataset: Dataset,
    files: { key: string; uri: string; hour: string }[],
    subject: ErasureSubject,
  ) {
    if (files.length === 0) return [];
    const hits = await this.withConnection(async (conn) => {
      const r = await conn.runAndReadAll(
        `SELECT filename, count(*) FROM read_parquet($files, filename = true)
         WHERE ${PREDICATE[dataset]} GROUP BY filename`,
        {
          files: listValue(files.map((f) => f.uri)),
          users: listValue(subject.users),
          anons: listValue(subject.anons),
        },
        { files: LIST(VARCHAR), users: LIST(VARCHAR), anons: LIST(VARCHAR) },
      );
      return new Map(r.getRows().map((row) => [String(row[0]), Number(row[1])]));
    });
    return files.filter((f) => hits.has(f.uri)).map((file) => ({ file, rows: hits.get(file.uri) ?? 0 }));
  }

  /** One file without the subject's rows, in the same order, published under the same key. */
  private async rewrite(
    dataset: Dataset,
    file: { key: string; uri: string },
    subject: ErasureSubject,
  ): Promise<void> {
    await this.withConnection(async (conn) => {
      const params = { file: file.uri, users: listValue(subject.users), anons: listValue(subject.anons) };
      const types = { file: VARCHAR, users: LIST(VARCHAR), anons: LIST(VARCHAR) };
      // COPY takes no parameters: the kept rows go to a temporary table first (order preserved).
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE kept AS SELECT * FROM read_parquet($file) WHERE NOT (${PREDICATE[dataset]})`,
        params,
        types,
      );
      const tmp = await this.lake.scratch('erased.parquet');
      await conn.run(`COPY kept TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      await conn.run('DROP TABLE kept');
      await this.lake.publishFile(tmp, file.key);
    });
  }

  private async withConnection<T>(f: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    this.duck ??= openLakeDuckDB(this.lake, 2);
    const conn = await (await this.duck).connect();
    try {
      return await f(conn);
    } finally {
      conn.closeSync();
    }
  }
}
