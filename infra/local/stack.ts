import type { Config } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { stopPrometheus } from './prometheus/service';
import { kafkaServiceOptions, startKafka, stopKafka } from './kafka/service';
import { startBigQuery, stopBigQuery } from './bigquery/service';
import { startClickHouse, stopClickHouse } from './clickhouse/service';
import { ensureHttpfsExtension } from './duckdb/httpfs';
import { startMail, stopMail } from './mail/service';
import { startGcs, stopGcs } from './gcs/service';
import { startMinio, stopMinio } from './minio/service';
import { startPostgres, stopPostgres } from './postgres/service';
import { startTemporal, stopTemporal, temporalServiceOptions } from './temporal/service';

/**
 * The services a lake on an object store, the BigQuery engine or ClickHouse's server mode need;
 * the rest always start.
 */
export const OPTIONAL_SERVICES = ['s3', 'gcs', 'bigquery', 'clickhouse'] as const;
export type OptionalService = (typeof OPTIONAL_SERVICES)[number];

type Started = { state: string; where: string; log: string };
export interface StackStatus {
  kafka: Started;
  temporal: Started & { ui: string };
  mail: Started & { inbox: string };
  postgres: Started;
  minio?: Started & { console: string };
  gcs?: Started;
  bigquery?: Started;
  clickhouse?: Started;
}

const isLoopback = (url: string | undefined) =>
  url !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(url);

/**
 * The optional services a configuration uses: MinIO for a lake on s3:// at a local endpoint,
 * fake-gcs-server for gs:// at a local endpoint, the emulator when BATCH_ENGINE=bigquery talks to a
 * local endpoint, the ClickHouse server when CLICKHOUSE_URL names this machine. A lake on this
 * machine's disk with DuckDB and ClickHouse in-process (the default) needs none of them.
 */
export function servicesConfigNeeds(config: Config): OptionalService[] {
  const needs: OptionalService[] = [];
  if (config.lake.s3 && isLoopback(config.lake.s3.endpoint)) needs.push('s3');
  if (config.lake.gcs && isLoopback(config.lake.gcs.endpoint)) needs.push('gcs');
  if (config.batch.engine === 'bigquery' && isLoopback(config.batch.bigquery.endpoint))
    needs.push('bigquery');
  if (isLoopback(config.clickhouse.url)) needs.push('clickhouse');
  return needs;
}

/** `--with s3,gcs,bigquery,clickhouse` (or `all`): one clear line for a name it does not know. */
export function parseWith(value: string | undefined): OptionalService[] {
  if (value === undefined || value === '') return [];
  const names = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (names.includes('all')) return [...OPTIONAL_SERVICES];
  for (const n of names)
    if (!(OPTIONAL_SERVICES as readonly string[]).includes(n))
      throw new UserFacingError(
        `unknown service '${n}' in --with`,
        `use --with ${OPTIONAL_SERVICES.join(',')} or all`,
      );
  return names as OptionalService[];
}

/**
 * Installs what is missing and starts the local services: Kafka, Temporal, PostgreSQL and SMTP with
 * its inbox always; MinIO, fake-gcs-server and the BigQuery emulator only when `optional` names
 * them (each takes minutes to build the first time). Each start is a no-op when the service already
 * answers. DuckDB, and ClickHouse unless in server mode (chDB), are in-process: nothing to start.
 */
export async function startStack(
  log: (line: string) => void,
  optional: readonly OptionalService[] = OPTIONAL_SERVICES,
): Promise<StackStatus> {
  const kafkaOptions = kafkaServiceOptions();
  log(
    kafkaOptions.brokers === 3
      ? 'starting Kafka (KRaft, three brokers, every partition replicated 3 times)...'
      : 'starting Kafka (KRaft, single node)...',
  );
  const kafka = await startKafka(kafkaOptions, log);
  log(`  kafka ${kafka.state} on ${kafka.where} (log: ${kafka.log})`);
  log('starting Temporal dev server...');
  const temporal = await startTemporal(temporalServiceOptions(), log);
  log(`  temporal ${temporal.state} on ${temporal.where}, Web UI ${temporal.ui} (log: ${temporal.log})`);
  log('starting PostgreSQL (the metadata store)...');
  const postgres = await startPostgres(undefined, log);
  log(`  postgres ${postgres.state} on ${postgres.where} (log: ${postgres.log})`);
  log('starting the local mail server...');
  const mail = await startMail();
  log(`  mail ${mail.state}: SMTP on ${mail.where}, inbox ${mail.inbox} (log: ${mail.log})`);
  const status: StackStatus = { kafka, temporal, mail, postgres };
  if (optional.includes('s3')) {
    log('starting the local S3 server (MinIO)...');
    status.minio = await startMinio(undefined, log);
    log(`  minio ${status.minio.state} on ${status.minio.where} (log: ${status.minio.log})`);
  }
  if (optional.includes('gcs')) {
    log('starting the local GCS server (fake-gcs-server)...');
    status.gcs = await startGcs(undefined, log);
    log(`  fake-gcs-server ${status.gcs.state} on ${status.gcs.where} (log: ${status.gcs.log})`);
  }
  if (optional.includes('bigquery')) {
    log('starting the BigQuery emulator...');
    status.bigquery = await startBigQuery(undefined, log);
    log(
      `  bigquery emulator ${status.bigquery.state} on ${status.bigquery.where} (log: ${status.bigquery.log})`,
    );
  }
  if (optional.includes('clickhouse')) {
    log('starting the ClickHouse server (server mode of the speed layer)...');
    status.clickhouse = await startClickHouse(undefined, log);
    log(
      `  clickhouse ${status.clickhouse.state} on ${status.clickhouse.where} (log: ${status.clickhouse.log})`,
    );
  }
  // DuckDB reads a lake on an object store through httpfs: fetched once, like the services.
  if (optional.includes('s3') || optional.includes('gcs')) ensureHttpfsExtension(log);
  return status;
}

/** Which of the stack's services this start launched (the rest were already running). */
export function startedByThisRun(stack: StackStatus) {
  const started = (s: { state: string } | undefined) => s?.state === 'started';
  return {
    kafka: started(stack.kafka),
    temporal: started(stack.temporal),
    mail: started(stack.mail),
    minio: started(stack.minio),
    gcs: started(stack.gcs),
    bigquery: started(stack.bigquery),
    clickhouse: started(stack.clickhouse),
    postgres: started(stack.postgres),
  };
}

export async function stopStack(
  log: (line: string) => void,
  which: {
    kafka: boolean;
    temporal: boolean;
    mail?: boolean;
    minio?: boolean;
    gcs?: boolean;
    bigquery?: boolean;
    clickhouse?: boolean;
    postgres?: boolean;
    prometheus?: boolean;
  } = {
    kafka: true,
    temporal: true,
    mail: true,
    minio: true,
    gcs: true,
    bigquery: true,
    clickhouse: true,
    postgres: true,
    prometheus: true,
  },
): Promise<void> {
  if (which.prometheus && (await stopPrometheus())) log('prometheus stopped');
  if (which.postgres && (await stopPostgres())) log('postgres stopped');
  if (which.bigquery && (await stopBigQuery())) log('bigquery emulator stopped');
  if (which.clickhouse && (await stopClickHouse())) log('clickhouse stopped');
  if (which.gcs && (await stopGcs())) log('fake-gcs-server stopped');
  if (which.minio && (await stopMinio())) log('minio stopped');
  if (which.mail && (await stopMail())) log('mail stopped');
  if (which.temporal && (await stopTemporal())) log('temporal stopped');
  if (which.kafka && (await stopKafka())) log('kafka stopped');
}
