import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger } from '../../core/log';
import { temporalConnectionOptions, type TemporalEndpoint } from '../../core/temporal/connection';
import { activityMetrics } from '../activity-metrics';

let runtimeInstalled = false;

/** The SDK logs every bundling step at INFO; operators need warnings. Once per process. */
export function installRuntimeOnce(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN';
  // Activity-only workers (reports, speed maintenance) are so by design; the SDK warns about that.
  const quiet = new DefaultLogger(level);
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      if (!entry.message.startsWith('No workflows registered'))
        quiet.log(entry.level, entry.message, entry.meta);
    }),
  });
}

export interface WorkerOptions {
  /** What the log calls it ("batch worker"). */
  name: string;
  temporal: TemporalEndpoint & { namespace: string };
  taskQueue: string;
  activities: object;
  /** The workflows' source file, for the worker that runs workflows (the batch worker). */
  workflowsPath?: string;
  log: Logger;
  /** Released when the worker has stopped (engines, mailers, stores its activities hold). */
  release?: () => Promise<void> | void;
}

export interface RunningWorker {
  stop(): Promise<void>;
  done: Promise<void>;
}

/**
 * Every Temporal worker of the platform has this shape: one connection, one task queue, its
 * activities timed by the same interceptor, and a stop that waits for the activities in flight.
 * Throws when Temporal cannot be reached (see `keepWorkerRunning` for a role that must not).
 */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  installRuntimeOnce();
  const connection = await NativeConnection.connect(temporalConnectionOptions(o.temporal));
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: o.temporal.namespace,
      taskQueue: o.taskQueue,
      activities: o.activities,
      ...(o.workflowsPath ? { workflowsPath: o.workflowsPath } : {}),
      interceptors: { activity: [activityMetrics] },
    });
  } catch (e) {
    await connection.close();
    throw e;
  }
  const done = worker.run().finally(async () => {
    await o.release?.();
    await connection.close();
  });
  o.log.info(`${o.name} running`, { taskQueue: o.taskQueue, temporal: o.temporal.address });
  return {
    done,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/**
 * A worker a role runs beside work that must not wait for it (the speed role's maintenance): while
 * Temporal or what `open` needs is away, the role goes on and the worker is tried again every
 * few seconds; one warning until it runs.
 */
export function keepWorkerRunning(
  open: () => Promise<Omit<WorkerOptions, 'log' | 'name'>>,
  o: { name: string; log: Logger; retryMs?: number },
): { stop(): Promise<void> } {
  let stopped = false;
  let running: RunningWorker | undefined;
  let warned = false;
  let wake = () => {};
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const options = await open();
        try {
          running = await startWorker({ ...options, name: o.name, log: o.log });
        } catch (e) {
          await options.release?.();
          throw e;
        }
        warned = false;
        if (stopped) await running.stop();
        await running.done;
      } catch (e) {
        if (!warned) o.log.warn(`${o.name} cannot start yet; retrying`, { error: String(e) });
        warned = true;
      } finally {
        running = undefined;
      }
      if (!stopped)
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, o.retryMs ?? 5000).unref();
        });
    }
  };
  const done = run();
  return {
    stop: async () => {
      stopped = true;
      wake();
      await running?.stop();
      await done;
    },
  };
}
