import { Module, type DynamicModule } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config';
import { ActivityController } from './activity/activity.controller';
import { ActivityService } from './activity/activity.service';
import { JwtGuard } from './auth/jwt.guard';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { BATCH_VIEWS, CLICKHOUSE, CONFIG } from './tokens';
import type { BatchViewReader } from './views/batch-view-reader';

@Module({})
export class AppModule {
  /** Services (config, engine clients) are built by the role runner and handed in. */
  static forRoot(deps: {
    config: Config;
    clickhouse: ClickHouseClient;
    batch: BatchViewReader;
  }): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, MetricsController, ActivityController],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: CLICKHOUSE, useValue: deps.clickhouse },
        { provide: BATCH_VIEWS, useValue: deps.batch },
        MetricsService,
        ActivityService,
        JwtGuard,
      ],
    };
  }
}
