import { Module, type DynamicModule } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config';
import { JwtGuard } from './auth/jwt.guard';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { CLICKHOUSE, CONFIG } from './tokens';

@Module({})
export class AppModule {
  /** Services (config, engine clients) are built by the role runner and handed in. */
  static forRoot(deps: { config: Config; clickhouse: ClickHouseClient }): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: CLICKHOUSE, useValue: deps.clickhouse },
        MetricsService,
        JwtGuard,
      ],
    };
  }
}
