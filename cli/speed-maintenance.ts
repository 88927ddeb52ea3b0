import type { ClickHouseClient } from '@clickhouse/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ErasureStore } from '../core/erasure/erasure-store';
import type { Config } from '../core/config/config';
import type { Logger } from '../core/log';
import { MetadataStore } from '../core/metadata/store';
import { activityMetrics } from '../workflows/activity-metrics';
import { resolveLinks, type SpeedErasureActivities } from '../workflows/erasure-activities';
import { beating } from '../workflows/heartbeat';
import { installRuntimeOnce } from '../workflows/worker';
import { SpeedEraser } from '../speed-layer/speed-eraser';
import { temporalConnectionOptions } from '../core/temporal/connection';

export function createSpeedErasureActivities(
  store: ErasureStore,
  eraser: SpeedEraser,
): SpeedErasureActivities {
  return {
    /** Adds the ids the speed view links to the user; returns how many ids the erasure covers. */
    async resolveSpeedLinks(erasureId: string): Promise<number> {
      return resolveLinks(store, erasureId, (p, s) => eraser.links(p, s));
    },

    async surveySpeed(erasureId: string) {
      const current = await store.subject(erasureId);
      return current ? eraser.survey(current.project, current.subject) : { rows: 0, minutes: [] };
    },

    /** Removes the user's raw rows and recomputes `minutes` without them. */
    async eraseFromSpeed(erasureId: string, minutes: number[]) {
      const current = await store.subject(erasureId);
      if (!current) return { minutes: 0 };
      return beating(
        () => ({ minutes: minutes.length }),
        () => eraser.erase(current.project, current.subject, minutes),
      );
    },
  };
}

/**
 * Polls the speed task queue from the process that holds the speed view (with embedded
 * ClickHouse, the only one that can open it), so an erasure's speed steps run beside the
 * consumers they must pause. The speed layer does not wait for it: while Temporal or PostgreSQL
 * is away the consumers go on and this worker tries again every few seconds.
 */
export function startSpeedErasureWorker(
  config: Config,
  clickhouse: ClickHouseClient,
  log: Logger,
): { stop(): Promise<void> } {
  installRuntimeOnce();
  let stopped = false;
  let worker: Worker | undefined;
  let warned = false;
  let wake = () => {};
  const run = async (): Promise<void> => {
    while (!stopped) {
      let metadata: MetadataStore | undefined;
      let connection: NativeConnection | undefined;
      try {
        metadata = await MetadataStore.open(config.metadata.url);
        connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
        worker = await Worker.create({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: config.speed.taskQueue,
          activities: createSpeedErasureActivities(
            new ErasureStore(metadata),
            new SpeedEraser(clickhouse, config.clickhouse.database),
          ),
          interceptors: { activity: [activityMetrics] },
        });
        log.info('speed maintenance worker running', { taskQueue: config.speed.taskQueue });
        warned = false;
        if (!stopped) await worker.run();
      } catch (e) {
        if (!warned)
          log.warn('speed maintenance worker cannot start yet (erasures wait for it); retrying', {
            error: String(e),
          });
        warned = true;
      } finally {
        worker = undefined;
        await connection?.close().catch(() => {});
        await metadata?.close().catch(() => {});
      }
      if (!stopped)
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 5000).unref();
        });
    }
  };
  const done = run();
  return {
    stop: async () => {
      stopped = true;
      wake();
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
