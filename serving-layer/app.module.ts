import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { ActivityModule } from './activity/activity.module';
import { PersonsModule } from './persons/persons.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuthModule } from './auth/auth.module';
import { DashboardsModule } from './dashboards/dashboards.module';
import { ErasureModule } from './erasure/erasure.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { QualityModule } from './quality/quality.module';
import { ReportsModule } from './reports/reports.module';
import { SegmentsModule } from './segments/segments.module';
import { InsightsModule } from './insights/insights.module';
import { SqlModule } from './sql/sql.module';
import { AnswersModule } from './answers/answers.module';
import { ServingCoreModule, type ServingDeps } from './serving-core.module';

/** The serving API: the shared parts the runner built, and one module per feature folder. */
@Module({})
export class AppModule {
  static forRoot(deps: ServingDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServingCoreModule.forRoot(deps),
        AuthModule,
        AccessModule,
        HealthModule,
        MetricsModule,
        AnalyticsModule,
        ActivityModule,
        PersonsModule,
        ReportsModule,
        DashboardsModule,
        ExperimentsModule,
        SegmentsModule,
        InsightsModule,
        SqlModule,
        AnswersModule,
        QualityModule,
        ErasureModule,
      ],
    };
  }
}
