import { join } from 'node:path';
import { Engines, type EngineSettings } from '../../batch-layer/engines';
import type { LakeStorage } from '../../core/lake/storage';
import type { Logger } from '../../core/log';
import { createActivities } from '../activities';
import { createErasureActivities, type ErasureDeps } from '../erasure-activities';
import { createExportActivities, type ExportDeps } from '../export-activities';
import { ensureSchedules, type ScheduleOptions } from '../schedules';
import { Client, Connection } from '@temporalio/client';
import { startWorker, type RunningWorker } from './start-worker';
import { temporalConnectionOptions, type TemporalEndpoint } from '../../core/temporal/connection';

export interface BatchWorkerConfig extends TemporalEndpoint {
  namespace: string;
  taskQueue: string;
  lake: LakeStorage;
  /** The batch engines (DuckDB only, as the default, when absent). */
  engines?: Omit<EngineSettings, 'log'>;
  /** What the erasure activities need (PostgreSQL, the broker); without it this worker runs none. */
  erasure?: Omit<ErasureDeps, 'lake'>;
  /** Where exports may go besides the lake's store, and the failpoints the export tests use. */
  exports?: Omit<ExportDeps, 'lake'>;
  /** Create or update the Temporal Schedules at start (the worker role does; tests choose). */
  schedules?: ScheduleOptions | false;
}

/** Builds the real dependencies once, then polls the batch task queue until stopped. */
export async function startBatchWorker(config: BatchWorkerConfig, log: Logger): Promise<RunningWorker> {
  const engines = new Engines(config.lake, {
    default: 'duckdb',
    ...config.engines,
    log: (msg, fields) => log.warn(msg, fields),
  });
  // The default engine opens now: a misconfigured one is one clear line at start, not a failed run.
  await engines.get();
  if (config.schedules !== false) {
    const client = new Client({
      connection: await Connection.connect(temporalConnectionOptions(config)),
      namespace: config.namespace,
    });
    try {
      await ensureSchedules(client, {
        taskQueue: config.taskQueue,
        ...config.schedules,
        engine: engines.defaultName,
      });
    } finally {
      await client.connection.close();
    }
  }
  return startWorker({
    name: 'batch worker',
    temporal: config,
    taskQueue: config.taskQueue,
    // A file path, not require.resolve: the SDK bundles the source itself, TypeScript in a
    // checkout, the compiled JavaScript in the production image (this file tells which it is).
    workflowsPath: join(__dirname, '..', __filename.endsWith('.ts') ? 'workflows.ts' : 'workflows.js'),
    activities: {
      ...createActivities({ engines, lake: config.lake }),
      ...(config.erasure ? createErasureActivities({ ...config.erasure, lake: config.lake }) : {}),
      ...(config.exports ? createExportActivities({ ...config.exports, lake: config.lake }) : {}),
    },
    log,
    release: () => engines.close(),
  }).catch(async (e: unknown) => {
    await engines.close();
    throw e;
  });
}
