import {
  JsonDuckDBValueConverter,
  DOUBLE,
  LIST,
  listValue,
  StatementType,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBDataChunk,
  type DuckDBPreparedStatement,
  type DuckDBResult,
  type DuckDBType,
} from '@duckdb/node-api';
import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import { budgetClock } from '../../core/lake/query-budget';
import type { LakeStorage } from '../../core/lake/storage';
import { quoteLiteral } from '../../batch-layer/sql-literal';
import { BadQueryError } from '../query/errors';
import { tableStatements, type TableSources } from './sql-tables';

/** Statement kinds an analyst may run: reading, and asking how a read would run. */
const ALLOWED = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/** A statement the sandbox refuses, or one the engine could not run: a 400 with DuckDB's words. */
export class SqlError extends BadQueryError {}

/** A column of an answer: its name and DuckDB's type. */
export interface SqlColumn {
  name: string;
  type: DuckDBType;
}

/** An identifier in double quotes (the platform's own names only). */
const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A chunk's rows as JSON values (DuckDB's big integers as text). */
export const rowsOf = (chunk: DuckDBDataChunk): unknown[][] =>
  chunk.convertRows(JsonDuckDBValueConverter) as unknown[][];

/** Where DuckDB's message points (its `LINE n:` and the caret under it), as "line n, column c". */
export function positionOf(message: string): { line: number; column: number } | undefined {
  const lines = message.split('\n');
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  if (at < 0) return undefined;
  const line = Number(/^LINE (\d+): /.exec(lines[at]!)![1]);
  const caret = lines[at + 1]?.indexOf('^') ?? -1;
  if (caret < 0) return { line, column: 1 };
  return { line, column: caret - `LINE ${line}: `.length + 1 };
}

/** DuckDB's message, on one line, with the position it names. */
function engineMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split('\n')[0] ?? message;
  const p = positionOf(message);
  return p ? `${first} (line ${p.line}, column ${p.column})` : first;
}

/**
 * One analyst query's engine: an in-memory DuckDB of its own (its memory capped, two threads)
 * holding the project's tables (sql-tables.ts, and any computed table added), then locked (lock())
 * before the caller's text is prepared:
 * - files: none but the project's own lake files of the range, by exact path (`allowed_paths`),
 *   and no network;
 * - no extension installed or loaded, automatically or asked;
 * - no setting changed (`lock_configuration`);
 * - one statement, of a reading kind, as DuckDB itself classifies it after parsing (COPY, ATTACH,
 *   CREATE, SET, INSTALL... are refused by kind, never by looking for words in the text).
 * Its time is the request's budget: past it the connection is interrupted (query-budget.ts).
 */
export class SqlSandbox {
  private allowed: string[] = [];
  private locked = false;

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** A table of rows the platform computed (an insight's answer), made before the lock. */
  async addTable(
    name: string,
    columns: { name: string; type: 'TIMESTAMP' | 'VARCHAR' | 'DOUBLE' }[],
    rows: unknown[][],
  ): Promise<void> {
    if (this.locked) throw new Error('the sandbox is locked: tables are added before');
    // Names and types come from the platform (an insight id checked against its pattern); values are bound.
    const params = Object.fromEntries(
      columns.map((c, i) => [
        `c${i}`,
        listValue(
          rows.map((r) =>
            r[i] === null || r[i] === undefined ? null : c.type === 'DOUBLE' ? Number(r[i]) : String(r[i]),
          ) as never[],
        ),
      ]),
    );
    const types = Object.fromEntries(
      columns.map((c, i) => [`c${i}`, LIST(c.type === 'DOUBLE' ? DOUBLE : VARCHAR)]),
    );
    await this.conn.run(
      `CREATE TABLE ${quoteIdentifier(name)} AS SELECT ${columns
        .map(
          (c, i) =>
            `unnest($c${i})${c.type === 'TIMESTAMP' ? '::TIMESTAMP' : ''} AS ${quoteIdentifier(c.name)}`,
        )
        .join(', ')}`,
      params as never,
      types as never,
    );
  }

  /**
   * Locks the engine before the caller's statement is seen: only the project's lake files of the
   * range may be read, no extension loaded, no setting changed.
   */
  async lock(): Promise<void> {
    // SET takes no parameters: the paths are the lake's own files of a validated project id.
    await this.conn.run(`SET allowed_paths = [${this.allowed.map(quoteLiteral).join(', ')}]::VARCHAR[]`);
    await this.conn.run('SET enable_external_access = false');
    await this.conn.run('SET autoinstall_known_extensions = false');
    await this.conn.run('SET autoload_known_extensions = false');
    await this.conn.run('SET allow_community_extensions = false');
    await this.conn.run('SET lock_configuration = true');
    this.locked = true;
  }

  static async open(
    lake: LakeStorage,
    tables: TableSources & {
      /** Actors the identity graph joined to a person named otherwise, with that name. */
      joined: { ids: string[]; persons: string[] };
      /**
       * The files the locked engine may read: the project's lake files of the range, each by its
       * full path. Exact paths, not a folder: DuckDB compares a folder as a text prefix, and an
       * object store answers `mine/../theirs/...` with another project's file.
       */
      allowed: string[];
    },
    limits: { memoryMb: number },
  ): Promise<SqlSandbox> {
    const db = await openLakeDuckDB(lake, 2, { memory_limit: `${limits.memoryMb}MB` });
    const conn = await db.connect();
    const sandbox = new SqlSandbox(db, conn);
    try {
      await conn.run("SET TimeZone = 'UTC'");
      await conn.run(
        'CREATE TABLE _joined AS SELECT unnest($ids) AS actor_id, unnest($persons) AS person_id',
        { ids: listValue(tables.joined.ids), persons: listValue(tables.joined.persons) } as never,
        { ids: LIST(VARCHAR), persons: LIST(VARCHAR) } as never,
      );
      for (const statement of tableStatements(tables)) await conn.run(statement);
    } catch (e) {
      sandbox.close();
      throw e;
    }
    sandbox.allowed = tables.allowed;
    return sandbox;
  }

  /** The caller's statement, parsed and bound by DuckDB, if it is one statement of a reading kind. */
  async prepare(sql: string): Promise<DuckDBPreparedStatement> {
    if (!this.locked) throw new Error('the sandbox must be locked before a statement is prepared');
    let prepared: DuckDBPreparedStatement;
    try {
      const statements = await this.conn.extractStatements(sql);
      if (statements.count !== 1)
        throw new SqlError(
          `send exactly one statement (found ${statements.count}); run the others as requests of their own`,
        );
      prepared = await statements.prepare(0);
    } catch (e) {
      if (e instanceof SqlError) throw e;
      throw new SqlError(engineMessage(e));
    }
    if (!ALLOWED.has(prepared.statementType))
      throw new SqlError(
        `only SELECT (with WITH, or EXPLAIN) runs here: a ${StatementType[prepared.statementType]} statement is refused; the tables are events, persons, person_ids and sessions`,
      );
    return prepared;
  }

  /**
   * Runs the statement under the request's budget: its columns, then its rows chunk by chunk
   * (DuckDB's vectors, up to 2,048 rows: rowsOf reads one as JSON values), each read when the one before has been
   * taken, so an answer is never held whole here. The budget's clock runs until the last chunk.
   */
  async run(
    prepared: DuckDBPreparedStatement,
  ): Promise<{ columns: SqlColumn[]; chunks: AsyncGenerator<DuckDBDataChunk> }> {
    const clock = budgetClock(this.conn);
    const failure = (e: unknown) => {
      const f = clock.failure(e);
      if (f !== e || e instanceof SqlError || !(e instanceof Error) || !isEngineError(e)) return f;
      return new SqlError(engineMessage(e));
    };
    let result: DuckDBResult;
    try {
      result = await prepared.stream();
    } catch (e) {
      clock.stop();
      throw failure(e);
    }
    const names = result.columnNames();
    const types = result.columnTypes();
    async function* chunks(): AsyncGenerator<DuckDBDataChunk> {
      try {
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) return;
          yield chunk;
        }
      } catch (e) {
        throw failure(e);
      } finally {
        clock.stop();
      }
    }
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), chunks: chunks() };
  }

  close(): void {
    try {
      this.conn.closeSync();
    } finally {
      this.db.closeSync();
    }
  }
}

/**
 * DuckDB's errors about the statement ("Binder Error: ...", "Out of Memory Error: ..."): the
 * caller's to fix. Its internal and fatal errors, and anything else, stay 500s.
 */
const isEngineError = (e: Error) =>
  /^[A-Z][A-Za-z ]* Error: /.test(e.message) && !/^(INTERNAL|FATAL)/i.test(e.message);
