import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { DuckDbEngine } from '../batch-layer/duckdb-engine';
import type { LakeStorage } from '../core/lake/storage';
import type { Logger } from '../core/log';
import { createActivities } from './activities';
import { ensureSchedules, type ScheduleOptions } from './schedules';
import { Client, Connection } from '@temporalio/client';

export interface BatchWorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  lake: LakeStorage;
  /** Create or update the Temporal Schedules at start (the worker role does; tests choose). */
  schedules?: ScheduleOptions | false;
}

let runtimeInstalled = false;

/** The SDK logs every bundling step at INFO; operators need warnings. Once per process. */
export function installRuntimeOnce(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN';
  // The serving role's report worker polls activities only, by design; the SDK warns about that.
  const quiet = new DefaultLogger(level);
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      if (!entry.message.startsWith('No workflows registered'))
        quiet.log(entry.level, entry.message, entry.meta);
    }),
  });
}

/** Builds the real dependencies once, then polls the batch task queue until stopped. */
export async function startBatchWorker(
  config: BatchWorkerConfig,
  log: Logger,
): Promise<{ stop(): Promise<void>; done: Promise<void> }> {
  installRuntimeOnce();
  const engine = await DuckDbEngine.open(config.lake);
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    // A file path, not require.resolve: the SDK bundles the TypeScript source itself.
    workflowsPath: join(__dirname, 'workflows.ts'),
    activities: createActivities({ engine, lake: config.lake }),
  });
  if (config.schedules !== false) {
    const client = new Client({
      connection: await Connection.connect({ address: config.address }),
      namespace: config.namespace,
    });
    try {
      await ensureSchedules(client, config.schedules ?? { taskQueue: config.taskQueue });
    } finally {
      await client.connection.close();
    }
  }
  const done = worker.run().finally(async () => {
    engine.close();
    await connection.close();
  });
  log.info('batch worker running', { taskQueue: config.taskQueue, temporal: config.address });
  return {
    done,
    stop: async () => {
      worker.shutdown();
      await done;
    },
  };
}
