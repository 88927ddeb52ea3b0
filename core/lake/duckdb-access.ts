import { DuckDBInstance } from '@duckdb/node-api';
import type { LakeStorage } from './storage';

/** A text literal for the few DuckDB statements that take no parameters (LOAD, CREATE SECRET). */
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * An in-memory DuckDB that can read (and write) the lake where it lives: nothing to do on this
 * machine; on S3 or GCS, DuckDB's httpfs extension and a secret for the store, scoped to this
 * instance.
 * The values come from the validated configuration, not from requests.
 */
export async function openLakeDuckDB(lake: LakeStorage, threads: number): Promise<DuckDBInstance> {
  const access = lake.access;
  if (access.kind === 'local') return DuckDBInstance.create(':memory:', { threads: String(threads) });
  const db = await DuckDBInstance.create(':memory:', {
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
