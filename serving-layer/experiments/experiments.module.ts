import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RAW_EVENTS } from '../injection-tokens';
import { ExperimentQuery } from '../query/experiment-query';
import { MetricQuery } from '../query/metric-query';
import type { RawEventReader } from '../views/raw-event-reader';
import { ExperimentsController } from './experiments.controller';

/** Experiment definitions, assignment and results. */
@Module({
  imports: [AuthModule],
  controllers: [ExperimentsController],
  providers: [
    {
      provide: ExperimentQuery,
      useFactory: (m: MetricQuery, raw: RawEventReader) => new ExperimentQuery(m, raw),
      inject: [MetricQuery, RAW_EVENTS],
    },
  ],
})
export class ExperimentsModule {}
