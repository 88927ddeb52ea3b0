import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MetricsController } from './metrics.controller';

/** The metric routes over the query core (MetricQuery, shared by every module). */
@Module({ imports: [AuthModule], controllers: [MetricsController] })
export class MetricsModule {}
