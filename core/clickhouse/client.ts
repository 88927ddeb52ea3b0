import { resolve } from 'node:path';
import { inProcessEngineAt } from './speed-view-version';
import { localFiles } from '../files/local-files';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config/config';

/**
 * ClickHouse client: a server when CLICKHOUSE_URL is set, otherwise ClickHouse embedded in this
 * process through chDB. chDB binds one data directory per process, so in embedded mode every role
 * that reads or writes ClickHouse (speed, serve) must run in the same process.
 */
/**
 * Inserts are written when they return, as exactly-once needs (its records and deduplication
 * tokens): chDB and a clickhouse-local server both default to asynchronous inserts.
 */
const SYNCHRONOUS = { async_insert: 0 } as const;

export function createClickHouse(config: Config): ClickHouseClient {
  if (config.clickhouse.url) {
    return createClient({
      url: config.clickhouse.url,
      clickhouse_settings: { date_time_input_format: 'best_effort', ...SYNCHRONOUS },
    });
  }
  localFiles.ensureDir(config.clickhouse.chdbPath);
  // Loaded lazily: a server deployment needs no native chDB library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createChdbConnection } = require('chdb/connection') as typeof import('chdb/connection');
  // chdb types its connection against @clickhouse/client-common, which @clickhouse/client bundles
  // as its own copy: the shapes are identical, the declarations are not.
  type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];
  const connection = createChdbConnection({
    path: config.clickhouse.chdbPath,
  }) as unknown as ClientConnection;
  const client = createClient({ connection, clickhouse_settings: SYNCHRONOUS });
  inProcessEngineAt(client, resolve(config.clickhouse.chdbPath));
  return client;
}
