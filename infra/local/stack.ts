import { stopPrometheus } from './prometheus/service';
import { kafkaServiceOptions, startKafka, stopKafka } from './kafka/service';
import { startBigQuery, stopBigQuery } from './bigquery/service';
import { ensureHttpfsExtension } from './duckdb/httpfs';
import { startMail, stopMail } from './mail/service';
import { startGcs, stopGcs } from './gcs/service';
import { startMinio, stopMinio } from './minio/service';
import { startPostgres, stopPostgres } from './postgres/service';
import { startTemporal, stopTemporal, temporalServiceOptions } from './temporal/service';

export interface StackStatus {
  kafka: { state: string; where: string; log: string };
  temporal: { state: string; where: string; ui: string; log: string };
  mail: { state: string; where: string; inbox: string; log: string };
  minio: { state: string; where: string; console: string; log: string };
  gcs: { state: string; where: string; log: string };
  bigquery: { state: string; where: string; log: string };
  postgres: { state: string; where: string; log: string };
}

/**
 * Installs what is missing and starts the local services (Kafka, Temporal, PostgreSQL, SMTP with its inbox,
 * MinIO and fake-gcs-server as the object stores a lake can live on, the BigQuery emulator). Each start is a no-op
 * when the service already answers. ClickHouse (chDB) and DuckDB are in-process: nothing to start.
 */
export async function startStack(log: (line: string) => void): Promise<StackStatus> {
  log('starting Kafka (KRaft, single node)...');
  const kafka = await startKafka(kafkaServiceOptions(), log);
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
  log('starting the local S3 server (MinIO)...');
  const minio = await startMinio(undefined, log);
  log(`  minio ${minio.state} on ${minio.where} (log: ${minio.log})`);
  log('starting the local GCS server (fake-gcs-server)...');
  const gcs = await startGcs(undefined, log);
  log(`  fake-gcs-server ${gcs.state} on ${gcs.where} (log: ${gcs.log})`);
  log('starting the BigQuery emulator...');
  const bigquery = await startBigQuery(undefined, log);
  log(`  bigquery emulator ${bigquery.state} on ${bigquery.where} (log: ${bigquery.log})`);
  // DuckDB reads a lake on an object store through httpfs: fetched once, like the services.
  ensureHttpfsExtension(log);
  return { kafka, temporal, mail, minio, gcs, bigquery, postgres };
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
    postgres?: boolean;
    prometheus?: boolean;
  } = {
    kafka: true,
    temporal: true,
    mail: true,
    minio: true,
    gcs: true,
    bigquery: true,
    postgres: true,
    prometheus: true,
  },
): Promise<void> {
  if (which.prometheus && (await stopPrometheus())) log('prometheus stopped');
  if (which.postgres && (await stopPostgres())) log('postgres stopped');
  if (which.bigquery && (await stopBigQuery())) log('bigquery emulator stopped');
  if (which.gcs && (await stopGcs())) log('fake-gcs-server stopped');
  if (which.minio && (await stopMinio())) log('minio stopped');
  if (which.mail && (await stopMail())) log('mail stopped');
  if (which.temporal && (await stopTemporal())) log('temporal stopped');
  if (which.kafka && (await stopKafka())) log('kafka stopped');
}
