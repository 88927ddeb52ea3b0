import { localFiles } from '../core/files/local-files';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';

const DDL_DIR = resolve(__dirname, '..', 'sql', 'clickhouse');

/** Applies sql/clickhouse/*.sql in name order. Every statement is idempotent (IF NOT EXISTS). */
export async function applyClickHouseSchema(client: ClickHouseClient, database: string): Promise<void> {
  const files = localFiles
    .list(DDL_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  for (const file of files) {
    await client.command({
      query: localFiles.readText(join(DDL_DIR, file)),
      query_params: { db: database },
    });
  }
}
