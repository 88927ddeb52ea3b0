import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../core/config/config';
import { bigQueryGcsRoot } from '../../infra/local/bigquery/service';
import { clickHouseAnswers, clickHouseUrl } from '../../infra/local/clickhouse/service';
import { postgresAnswers, postgresServiceOptions } from '../../infra/local/postgres/service';
import { kafkaAnswers, kafkaServiceOptions } from '../../infra/local/kafka/service';
import { mailAnswers, mailServiceOptions } from '../../infra/local/mail/service';
import { gcsAnswers, gcsLakeEnv, gcsServiceOptions } from '../../infra/local/gcs/service';
import { minioAnswers, minioLakeEnv, minioServiceOptions } from '../../infra/local/minio/service';
import { temporalAnswers, temporalServiceOptions } from '../../infra/local/temporal/service';

/**
 * A configuration isolated for one test file: its own topics, consumer data, task queue, lake,
 * chDB directory and keys, on the shared real Kafka broker and Temporal dev server.
 */
export function isolatedConfig(name: string, env: Record<string, string> = {}): Config {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), `platform-${name}-`));
  return loadConfig({
    ...process.env,
    PLATFORM_STATE_DIR: dir,
    INGEST_PORT: '0',
    API_PORT: '0',
    OPS_PORT: '0',
    TOPIC_EVENTS: `test.${id}.events`,
    TOPIC_QUARANTINE: `test.${id}.events.quarantine`,
    TOPIC_DERIVED: `test.${id}.events.derived`,
    TOPIC_DEADLETTER: `test.${id}.events.deadletter`,
    TEMPORAL_TASK_QUEUE: `test-${id}`,
    REPORTS_TASK_QUEUE: `test-${id}-reports`,
    SPEED_TASK_QUEUE: `test-${id}-speed`,
    KAFKA_PARTITIONS: '3',
    KAFKA_GROUP_PREFIX: `test-${id}-`,
    LAKE_FETCH_WAIT_MS: '200',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    TEMPORAL_SCHEDULES: 'false',
    // The emulator reads load jobs' gs:// files from its own folder, not the test's state folder.
    BIGQUERY_STAGING_DIR: bigQueryGcsRoot(),
    // Tests ask the API as fast as they can check it (an SDK assigning hundreds of users, polls):
    // the rate limits are tested where they are the subject (test/access/limits.test.ts).
    API_RATE_PER_MINUTE: '1000000',
    API_PROJECT_RATE_PER_MINUTE: '10000000',
    // On a ClickHouse server (server mode), a database of its own.
    CLICKHOUSE_DATABASE: `test_${id.replace(/-/g, '_')}`,
    ...env,
  });
}

/** Fails fast with the command to run when the real services are not up. */
export async function requireServices(): Promise<void> {
  const probe = () =>
    Promise.all([
      kafkaAnswers(kafkaServiceOptions().port),
      temporalAnswers(temporalServiceOptions()),
      mailAnswers(mailServiceOptions()),
      postgresAnswers(postgresServiceOptions()),
    ]);
  let [kafka, temporal, mail, postgres] = await probe();
  // Each probe waits a second at most: on a machine busy with the suite's browsers and engines a
  // service that is up can miss one. Down means down three times over, not once.
  for (let i = 0; i < 2 && !(kafka && temporal && mail && postgres); i++) {
    await new Promise((r) => setTimeout(r, 2000));
    [kafka, temporal, mail, postgres] = await probe();
  }
  if (!kafka || !temporal || !mail || !postgres) {
    const state = (up: boolean) => (up ? 'up' : 'down');
    throw new Error(
      `integration tests need Kafka (${state(kafka)}), Temporal (${state(temporal)}), PostgreSQL (${state(postgres)}) and the local mail server (${state(mail)}): run ./platform test, or ./platform services start first`,
    );
  }
}

/** Fails fast with the command to run when the local object stores (MinIO, fake GCS) are not up. */
export async function requireObjectStore(): Promise<void> {
  if (!(await minioAnswers(minioServiceOptions())) || !(await gcsAnswers(gcsServiceOptions())))
    throw new Error(
      'tests of the lake on an object store need the local MinIO and fake-gcs-server: run ./platform test, or ./platform services start first',
    );
}

/**
 * The places a lake can live, for tests that must hold wherever it is: this machine's disk, and
 * S3 (the local MinIO) and GCS (the local fake-gcs-server), each test on its own prefix.
 */
export const LAKES = [
  { name: 'lake on local disk', env: (): Record<string, string> => ({}), objectStore: false },
  {
    name: 'lake on S3 (MinIO)',
    env: (): Record<string, string> =>
      minioLakeEnv(undefined, `test-${randomUUID().slice(0, 8)}`) as Record<string, string>,
    objectStore: true,
  },
  {
    name: 'lake on GCS (fake-gcs-server)',
    env: (): Record<string, string> => gcsLakeEnv(undefined, `test-${randomUUID().slice(0, 8)}`),
    objectStore: true,
  },
] as const;

/**
 * Where the speed view lives, for tests that must hold in both: ClickHouse in the process that
 * uses it (chDB, the default of ./platform up), and a ClickHouse server (CLICKHOUSE_URL: the
 * local one ./platform test starts), which several processes share.
 */
export const CLICKHOUSE_MODES = [
  { name: 'ClickHouse in-process (chDB)', env: (): Record<string, string> => ({}), server: false },
  {
    name: 'a ClickHouse server',
    env: (): Record<string, string> => ({ CLICKHOUSE_URL: clickHouseUrl() }),
    server: true,
  },
] as const;

export async function requireClickHouseServer(): Promise<void> {
  if (!(await clickHouseAnswers()))
    throw new Error(
      'tests of the server mode need the local ClickHouse server: run ./platform test, or ./platform services start --with clickhouse first',
    );
}

/** Same process resources (chDB, lake, keys), fresh topics and consumer groups: for several cases in one file. */
export function withFreshTopics(config: Config, name: string): Config {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  return {
    ...config,
    kafka: {
      ...config.kafka,
      topics: {
        events: `test.${id}.events`,
        quarantine: `test.${id}.events.quarantine`,
        derived: `test.${id}.events.derived`,
        deadletter: `test.${id}.events.deadletter`,
      },
      groups: { speed: `test-${id}-speed-layer`, archiver: `test-${id}-lake-archiver` },
    },
  };
}
