import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../../core/config/config';
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
    SPEED_TASK_QUEUE: config.speed.taskQueue,
    TEMPORAL_SCHEDULES: 'false',
    LOG_LEVEL: 'error',
    OPS_PORT: '0',
    BATCH_ENGINE: config.batch.engine,
    CLICKHOUSE_DATABASE: config.clickhouse.database,
    ...(config.clickhouse.url ? { CLICKHOUSE_URL: config.clickhouse.url } : {}),
    ...(config.batch.bigquery.staging.dir ? { BIGQUERY_STAGING_DIR: config.batch.bigquery.staging.dir } : {}),
    ...lakeEnv(config),
    ...extra,
  };
}

/** The settings that put a child's lake where `config`'s is (LAKE_ROOT follows the state folder). */
function lakeEnv(config: Config): Record<string, string> {
  const gcs = config.lake.gcs;
  if (gcs)
    return {
      LAKE_URL: `gs://${gcs.bucket}${gcs.prefix ? `/${gcs.prefix}` : ''}`,
      ...(gcs.endpoint ? { LAKE_GCS_ENDPOINT: gcs.endpoint } : {}),
      ...(gcs.projectId ? { LAKE_GCS_PROJECT: gcs.projectId } : {}),
      ...(gcs.hmacKeyId && gcs.hmacSecret
        ? { LAKE_GCS_HMAC_KEY_ID: gcs.hmacKeyId, LAKE_GCS_HMAC_SECRET: gcs.hmacSecret }
        : {}),
    };
  const s3 = config.lake.s3;
  if (!s3) return {};
  return {
    LAKE_URL: `s3://${s3.bucket}${s3.prefix ? `/${s3.prefix}` : ''}`,
    LAKE_S3_REGION: s3.region,
    ...(s3.endpoint ? { LAKE_S3_ENDPOINT: s3.endpoint } : {}),
    ...(s3.accessKeyId && s3.secretAccessKey
      ? { LAKE_S3_ACCESS_KEY_ID: s3.accessKeyId, LAKE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey }
      : {}),
  };
}

/** Runs a role as its own process, as deployed (so tests can kill it with SIGKILL). */
export function startRole(
  role: string,
  env: Record<string, string>,
  stderr: 'inherit' | 'pipe' = 'inherit',
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', role], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', stderr],
  });
}

export function exited(p: ChildProcess): Promise<void> {
  return new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
}
