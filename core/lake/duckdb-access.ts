import { DuckDBInstance, LIST, listValue, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import { underBudget } from './query-budget';
import type { LakeStorage } from './storage';

/** A text literal for the few DuckDB statements that take no parameters (LOAD, CREATE SECRET). */
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * An in-memory DuckDB that can read (and write) the lake where it lives: nothing to do on this
 * machine; on S3 or GCS, DuckDB's httpfs extension and a secret for the store, scoped to this
 * instance.
 * The values come from the validated configuration, not from requests.
 */
export async function openLakeDuckDB(
  lake: LakeStorage,
  threads: number,
  /** More of DuckDB's settings at creation (a memory limit). */
  settings: Record<string, string> = {},
): Promise<DuckDBInstance> {
  const access = lake.access;
  if (access.kind === 'local')
    return DuckDBInstance.create(':memory:', { ...settings, threads: String(threads) });
  const db = await DuckDBInstance.create(':memory:', {
    ...settings,
    threads: String(threads),
    extension_directory: access.httpfs.extensionDir,
  });
  const conn = await db.connect();
  try {
    await conn.run(access.httpfs.file ? `INSTALL ${literal(access.httpfs.file)}` : 'INSTALL httpfs');
    await conn.run('LOAD httpfs');
    const endpoint = access.endpoint ? new URL(access.endpoint) : undefined;
    const options = [
      access.kind === 's3' ? 'TYPE s3' : 'TYPE gcs',
      ...(access.kind === 's3' ? [`REGION ${literal(access.region)}`] : []),
      ...(access.accessKeyId && access.secretAccessKey
        ? [`KEY_ID ${literal(access.accessKeyId)}`, `SECRET ${literal(access.secretAccessKey)}`]
        : ['PROVIDER credential_chain']),
      ...(endpoint
        ? [
            `ENDPOINT ${literal(endpoint.host)}`,
            "URL_STYLE 'path'",
            `USE_SSL ${endpoint.protocol === 'https:' ? 'true' : 'false'}`,
          ]
        : []),
    ];
    await conn.run(`CREATE SECRET lake (${options.join(', ')})`);
  } finally {
    conn.closeSync();
  }
  return db;
}

/**
 * Queries over lake files on one lazily opened DuckDB: `$globs` is bound to the files' globs (no
 * files: no rows, without asking DuckDB), every other parameter with its given type. Rows as JSON
 * values (DuckDB's big integers as text).
 */
export class LakeQueries {
  private duck?: Promise<DuckDBInstance>;

  constructor(
    private readonly lake: LakeStorage,
    private readonly threads: number,
  ) {}

  async rows(
    sql: string,
    globs: string[],
    params: Record<string, unknown>,
    types: Record<string, DuckDBType> = {},
  ): Promise<unknown[][]> {
    if (globs.length === 0) return [];
    this.duck ??= openLakeDuckDB(this.lake, this.threads);
    const conn = await (await this.duck).connect();
    try {
      return await underBudget(conn, async () => {
        const result = await conn.run(
          sql,
          { globs: listValue(globs), ...params } as never,
          { globs: LIST(VARCHAR), ...types } as never,
        );
        // Chunk by chunk (DuckDB's vectors, 2,048 rows): each fetch is a turn of the event loop, so
        // a million rows crossing into Node never hold up the other requests this process serves.
        const rows: unknown[][] = [];
        for await (const chunk of result.yieldRowsJson()) for (const row of chunk) rows.push(row);
        return rows;
      });
    } finally {
      conn.closeSync();
    }
  }

  close(): void {
    void this.duck?.then((d) => d.closeSync());
  }
}
