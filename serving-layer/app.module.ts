import { Module, type DynamicModule } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config/config';
import { ActivityController } from './activity/activity.controller';
import { AnalyticsController } from './analytics/analytics.controller';
import { CommerceQuery } from './query/commerce-query';
import { ContentQuery } from './query/content-query';
import { FunnelQuery } from './query/funnel-query';
import { ExperimentQuery } from './query/experiment-query';
import { RetentionQuery } from './query/retention-query';
import { ActivityService } from './activity/activity.service';
import { JwtGuard } from './auth/jwt.guard';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { ReportsController } from './reports/reports.controller';
import { AdminGuard } from './auth/admin.guard';
import { WriteGuard } from './auth/write.guard';
import type { ReportSchedules } from '../workflows/report-schedules';
import {
  BATCH_VIEWS,
  CLICKHOUSE,
  CONFIG,
  DASHBOARDS,
  RAW_EVENTS,
  REPORT_SCHEDULES,
  SESSIONS,
  USER_SETTINGS,
  REVOKED_TOKENS,
  EXPERIMENTS,
  SEGMENTS,
  QUALITY,
  ERASURES,
} from './tokens';
import { QualityController } from './quality/quality.controller';
import type { QualityQuery } from './quality/quality-query';
import { SegmentsController } from './segments/segments.controller';
import type { SegmentStore } from './segments/segment-store';
import { LoginController } from './auth/login.controller';
import type { Sessions } from '../core/auth/sessions';
import type { UserSettings } from '../core/auth/user-settings';
import type { RevokedTokens } from '../core/auth/revoked-tokens';
import { ExperimentsController } from './experiments/experiments.controller';
import type { ExperimentStore } from './experiments/experiment-store';
import { ServingShutdown } from './shutdown';
import { ErasureController } from './erasure/erasure.controller';
import type { ErasureRequests } from '../workflows/erasure-requests';
import { DashboardsController } from './dashboards/dashboards.controller';
import type { DashboardStore } from './dashboards/dashboard-store';
import type { BatchViewReader } from './views/batch-view-reader';
import type { RawEventReader } from './views/raw-event-reader';

@Module({})
export class AppModule {
  /** Services (config, engine clients) are built by the role runner and handed in. */
  static forRoot(deps: {
    config: Config;
    clickhouse: ClickHouseClient;
    batch: BatchViewReader;
    raw: RawEventReader;
    reports: ReportSchedules;
    dashboards: DashboardStore;
    sessions: Sessions;
    settings: UserSettings;
    revoked: RevokedTokens;
    experiments: ExperimentStore;
    segments: SegmentStore;
    quality: QualityQuery;
    erasures: ErasureRequests;
    shutdown: ServingShutdown;
  }): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        HealthController,
        MetricsController,
        AnalyticsController,
        ActivityController,
        ReportsController,
        DashboardsController,
        ExperimentsController,
        SegmentsController,
        QualityController,
        ErasureController,
        LoginController,
      ],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: CLICKHOUSE, useValue: deps.clickhouse },
        { provide: BATCH_VIEWS, useValue: deps.batch },
        { provide: RAW_EVENTS, useValue: deps.raw },
        { provide: REPORT_SCHEDULES, useValue: deps.reports },
        { provide: DASHBOARDS, useValue: deps.dashboards },
        { provide: SESSIONS, useValue: deps.sessions },
        { provide: USER_SETTINGS, useValue: deps.settings },
        { provide: REVOKED_TOKENS, useValue: deps.revoked },
        { provide: EXPERIMENTS, useValue: deps.experiments },
        { provide: SEGMENTS, useValue: deps.segments },
        { provide: QUALITY, useValue: deps.quality },
        { provide: ERASURES, useValue: deps.erasures },
        { provide: ServingShutdown, useValue: deps.shutdown },
        MetricsService,
        // The query core's analyses are plain classes: built here from the core's metric query.
        {
          provide: ContentQuery,
          useFactory: (m: MetricsService) => new ContentQuery(m),
          inject: [MetricsService],
        },
        {
          provide: CommerceQuery,
          useFactory: (m: MetricsService) => new CommerceQuery(m),
          inject: [MetricsService],
        },
        {
          provide: FunnelQuery,
          useFactory: (m: MetricsService) => new FunnelQuery(m, deps.raw),
          inject: [MetricsService],
        },
        {
          provide: ExperimentQuery,
          useFactory: (m: MetricsService) => new ExperimentQuery(m, deps.raw),
          inject: [MetricsService],
        },
        {
          provide: RetentionQuery,
          useFactory: (m: MetricsService) => new RetentionQuery(m, deps.raw),
          inject: [MetricsService],
        },
        ActivityService,
        JwtGuard,
        AdminGuard,
        WriteGuard,
      ],
    };
  }
}
