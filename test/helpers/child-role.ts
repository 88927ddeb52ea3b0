import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../../core/config';
import { REPO_ROOT } from '../../infra/local/paths';

/** The environment that makes a `./platform run` child see the same configuration as `config`. */
export function roleEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PLATFORM_STATE_DIR: config.stateDir,
    TOPIC_EVENTS: config.kafka.topics.events,
    TOPIC_QUARANTINE: config.kafka.topics.quarantine,
    TOPIC_DERIVED: config.kafka.topics.derived,
    TOPIC_DEADLETTER: config.kafka.topics.deadletter,
    KAFKA_GROUP_PREFIX: config.kafka.groups.speed.slice(0, -'speed-layer'.length),
    KAFKA_PARTITIONS: String(config.kafka.partitions),
    KAFKA_SESSION_TIMEOUT_MS: String(config.kafka.sessionTimeoutMs),
    LAKE_FETCH_WAIT_MS: String(config.lake.fetchWaitMs),
    SPEED_DEDUP_WINDOW_MINUTES: String(config.speed.dedupWindowMs / 60_000),
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    TEMPORAL_SCHEDULES: 'false',
    LOG_LEVEL: 'error',
    ...extra,
  };
}

/** Runs a role as its own process, as deployed (so tests can kill it with SIGKILL). */
export function startRole(role: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', role], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function exited(p: ChildProcess): Promise<void> {
  return new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
}
