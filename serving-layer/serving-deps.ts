import { SqlQuery } from './sql/sql-query';
import { SqlHistory } from './sql/sql-history';
import { SavedQueryStore } from './sql/saved-query';
import type { ClickHouseClient } from '@clickhouse/client';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { ApiTokens } from '../core/auth/api-tokens';
import { AuditLog } from '../core/auth/audit-log';
import { Members } from '../core/auth/members';
import { RevokedTokens } from '../core/auth/revoked-tokens';
import { WriteKeys } from '../core/auth/write-keys';
import { RequestLimits } from './auth/limits';
import { budgetClickHouse } from '../core/clickhouse/query-budget';
import { createMailer } from './reports/report-mailer';
import { Sessions } from '../core/auth/sessions';
import { UserSettings } from '../core/auth/user-settings';
import type { Config } from '../core/config/config';
import { ErasureStore } from '../core/erasure/erasure-store';
import { openLake } from '../core/lake/open-lake';
import { MetadataStore } from '../core/metadata/store';
import { temporalConnectionOptions } from '../core/temporal/connection';
import { ErasureRequests } from '../workflows/erasure-requests';
import { ReportSchedules } from '../workflows/report-schedules';
import { DashboardStore } from './dashboards/dashboard-store';
import { ExperimentStore } from './experiments/experiment-store';
import { startServingScrapes } from './ops-scrapes';
import { QualityQuery } from './quality/quality-query';
import { MetricQuery } from './query/metric-query';
import { SegmentStore } from './segments/segment-store';
import { InsightStore } from './insights/insight-store';
import type { ServingDeps } from './serving-core.module';
import { BatchViewReader } from './views/batch-view-reader';
import { BigQueryLakeReads } from './views/bigquery-lake-reads';
import { RawEventReader } from './views/raw-event-reader';

/**
 * Opens what the serving API uses (the lake's views, PostgreSQL's stores, a Temporal client, the
 * query core) and says how to close it. PostgreSQL is needed at start: an unreachable one stops
 * the role with one line. Temporal is not: report and erasure routes answer 503 while it is away.
 */
export async function openServingDeps(
  config: Config,
  clickhouse: ClickHouseClient,
): Promise<{ deps: Omit<ServingDeps, 'shutdown'>; close(): Promise<void> }> {
  budgetClickHouse(clickhouse, !config.clickhouse.url);
  const lake = openLake(config.lake);
  const batch = await BatchViewReader.open(lake);
  const raw = new RawEventReader(
    clickhouse,
    config.clickhouse.database,
    lake,
    config.batch.engine === 'bigquery' ? BigQueryLakeReads.open(config.batch.bigquery) : undefined,
  );
  const quality = new QualityQuery(lake);
  const stopScrapes = startServingScrapes({ lake, batch, quality });
  const temporal = new Client({
    connection: Connection.lazy({
      ...temporalConnectionOptions(config.temporal),
      connectTimeout: 3000,
      // A caller waits on these requests: a few quick retries, not the SDK's default of ten.
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
    }),
    namespace: config.temporal.namespace,
  });
  const metadata = await MetadataStore.open(config.metadata.url);
  const revoked = await new RevokedTokens(metadata).start();
  const audit = new AuditLog(metadata, config.access.auditRetentionDays).start();
  const mailer = createMailer(config.reports.smtp);
  const metrics = new MetricQuery(config, clickhouse, batch, raw);
  await metrics.layers.warm();
  const insights = new InsightStore(metadata);
  const deps = {
    config,
    clickhouse,
    batch,
    raw,
    metrics,
    sql: {
      query: new SqlQuery(config, clickhouse, metrics, lake, insights),
      history: new SqlHistory(metadata),
      saved: new SavedQueryStore(metadata),
    },
    quality,
    reports: new ReportSchedules(temporal, {
      taskQueue: config.temporal.taskQueue,
      activityTaskQueue: config.reports.taskQueue,
    }),
    dashboards: new DashboardStore(metadata),
    sessions: new Sessions(metadata),
    settings: new UserSettings(metadata),
    revoked,
    members: new Members(metadata),
    audit,
    limits: new RequestLimits(config.access),
    mailer,
    apiTokens: new ApiTokens(metadata, config.auth.jwtSecret, revoked),
    writeKeys: new WriteKeys(metadata),
    experiments: new ExperimentStore(metadata),
    segments: new SegmentStore(metadata),
    insights,
    erasures: new ErasureRequests(new ErasureStore(metadata), temporal, config),
  };
  return {
    deps,
    close: async () => {
      stopScrapes();
      batch.close();
      raw.close();
      quality.close();
      await temporal.connection.close();
      revoked.close();
      await audit.close();
      mailer.close();
      await metadata.close();
    },
  };
}
