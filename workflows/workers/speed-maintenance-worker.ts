import type { Config } from '../../core/config/config';
import { ErasureStore } from '../../core/erasure/erasure-store';
import type { Logger } from '../../core/log';
import { MetadataStore } from '../../core/metadata/store';
import { createSpeedErasureActivities, type SpeedViewEraser } from '../erasure-activities';
import { keepWorkerRunning } from './start-worker';

/**
 * Polls the speed task queue from the process that holds the speed view (with embedded
 * ClickHouse, the only one that can open it), so an erasure's speed steps run beside the
 * consumers they must pause. The speed layer does not wait for it: while Temporal or PostgreSQL
 * is away the consumers go on and this worker tries again every few seconds.
 */
export function startSpeedMaintenanceWorker(o: { config: Config; eraser: SpeedViewEraser; log: Logger }): {
  stop(): Promise<void>;
} {
  const { config } = o;
  return keepWorkerRunning(
    async () => {
      const metadata = await MetadataStore.open(config.metadata.url);
      return {
        temporal: config.temporal,
        taskQueue: config.speed.taskQueue,
        activities: createSpeedErasureActivities(new ErasureStore(metadata), o.eraser),
        release: () => metadata.close().catch(() => {}),
      };
    },
    { name: 'speed maintenance worker', log: o.log },
  );
}
