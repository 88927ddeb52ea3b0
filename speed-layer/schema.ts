import { localFiles } from '../core/files/local-files';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { applyCatalogViews } from './catalog-views';

const DDL_DIR = resolve(__dirname, '..', 'sql', 'clickhouse');

/**
 * Applies sql/clickhouse/NNN_*.sql in name order (every statement idempotent: IF NOT EXISTS), then
 * the catalog's materialized views (catalog-views.ts; the other files there are its templates).
 */
export async function applyClickHouseSchema(client: ClickHouseClient, database: string): Promise<void> {
  const files = localFiles
    .list(DDL_DIR)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
  for (const file of files) {
    await client.command({
      query: localFiles.readText(join(DDL_DIR, file)),
      query_params: { db: database },
    });
  }
  await applyCatalogViews(client, database);
}
