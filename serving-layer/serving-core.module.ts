import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config/config';
import type { RevokedTokens } from '../core/auth/revoked-tokens';
import type { Sessions } from '../core/auth/sessions';
import type { UserSettings } from '../core/auth/user-settings';
import type { ErasureRequests } from '../workflows/erasure-requests';
import type { ReportSchedules } from '../workflows/report-schedules';
import type { DashboardStore } from './dashboards/dashboard-store';
import type { ExperimentStore } from './experiments/experiment-store';
import type { ApiTokens } from '../core/auth/api-tokens';
import type { AuditLog } from '../core/auth/audit-log';
import type { Members } from '../core/auth/members';
import type { WriteKeys } from '../core/auth/write-keys';
import type { RequestLimits } from './auth/limits';
import type { Mailer } from './reports/report-mailer';
import type { SqlQuery } from './sql/sql-query';
import type { SqlHistory } from './sql/sql-history';
import type { SavedQueryStore } from './sql/saved-query';
import {
  ACCESS,
  API_TOKENS,
  AUDIT,
  LIMITS,
  MAILER,
  WRITE_KEYS,
  BATCH_VIEWS,
  CLICKHOUSE,
  CONFIG,
  DASHBOARDS,
  ERASURES,
  EXPERIMENTS,
  QUALITY,
  RAW_EVENTS,
  REPORT_SCHEDULES,
  REVOKED_TOKENS,
  SEGMENTS,
  INSIGHTS,
  SESSIONS,
  SQL,
  USER_SETTINGS,
} from './injection-tokens';
import type { QualityQuery } from './quality/quality-query';
import { MetricQuery } from './query/metric-query';
import type { SegmentStore } from './segments/segment-store';
import type { InsightStore } from './insights/insight-store';
import { ServingShutdown } from './shutdown';
import type { BatchViewReader } from './views/batch-view-reader';
import type { RawEventReader } from './views/raw-event-reader';

/** What the role runner builds before the app (engine clients, stores, the query core) and hands in. */
export interface ServingDeps {
  config: Config;
  clickhouse: ClickHouseClient;
  batch: BatchViewReader;
  raw: RawEventReader;
  metrics: MetricQuery;
  /** Analysts' SQL: the engine, each person's history, saved queries. */
  sql: { query: SqlQuery; history: SqlHistory; saved: SavedQueryStore };
  reports: ReportSchedules;
  dashboards: DashboardStore;
  sessions: Sessions;
  settings: UserSettings;
  revoked: RevokedTokens;
  members: Members;
  audit: AuditLog;
  limits: RequestLimits;
  mailer: Mailer;
  apiTokens: ApiTokens;
  writeKeys: WriteKeys;
  experiments: ExperimentStore;
  segments: SegmentStore;
  insights: InsightStore;
  quality: QualityQuery;
  erasures: ErasureRequests;
  shutdown: ServingShutdown;
}

/**
 * The serving layer's shared parts, visible to every feature module: they hold connections the
 * runner opens and closes, so the app is given them rather than building them.
 */
@Global()
@Module({})
export class ServingCoreModule {
  static forRoot(deps: ServingDeps): DynamicModule {
    const providers = [
      { provide: CONFIG, useValue: deps.config },
      { provide: CLICKHOUSE, useValue: deps.clickhouse },
      { provide: BATCH_VIEWS, useValue: deps.batch },
      { provide: RAW_EVENTS, useValue: deps.raw },
      { provide: MetricQuery, useValue: deps.metrics },
      { provide: SQL, useValue: deps.sql },
      { provide: REPORT_SCHEDULES, useValue: deps.reports },
      { provide: DASHBOARDS, useValue: deps.dashboards },
      { provide: SESSIONS, useValue: deps.sessions },
      { provide: USER_SETTINGS, useValue: deps.settings },
      { provide: REVOKED_TOKENS, useValue: deps.revoked },
      {
        provide: ACCESS,
        useValue: { sessions: deps.sessions, revoked: deps.revoked, members: deps.members },
      },
      { provide: AUDIT, useValue: deps.audit },
      { provide: LIMITS, useValue: deps.limits },
      { provide: MAILER, useValue: deps.mailer },
      { provide: API_TOKENS, useValue: deps.apiTokens },
      { provide: WRITE_KEYS, useValue: deps.writeKeys },
      { provide: EXPERIMENTS, useValue: deps.experiments },
      { provide: SEGMENTS, useValue: deps.segments },
      { provide: INSIGHTS, useValue: deps.insights },
      { provide: QUALITY, useValue: deps.quality },
      { provide: ERASURES, useValue: deps.erasures },
      { provide: ServingShutdown, useValue: deps.shutdown },
    ];
    return { module: ServingCoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
