import { LocalStorage } from '../../core/lake/local-storage';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { startBatchWorker } from '../../workflows/workers/batch-worker';

/**
 * A batch worker on the config's own task queue (no schedules) and a Temporal client, for tests
 * that run workflows on the shared dev server.
 */
export async function startBatchHarness(config: Config, name: string) {
  const client = new Client({
    connection: await Connection.connect({ address: config.temporal.address }),
    namespace: config.temporal.namespace,
  });
  const worker = await startBatchWorker(
    {
      ...config.temporal,
      lake: new LocalStorage(config.lake.root),
      engines: {
        default: config.batch.engine,
        bigquery: config.batch.bigquery,
        httpfs: config.lake.httpfs,
      },
      schedules: false,
    },
    createLogger({ test: name }, 'error'),
  );
  return {
    client,
    async stop() {
      await worker.stop();
      await client.connection.close();
    },
  };
}
