import { Module } from '@nestjs/common';
import type { Config } from '../../core/config/config';
import { AuthModule } from '../auth/auth.module';
import { CONFIG, RAW_EVENTS } from '../injection-tokens';
import { MetricQuery } from '../query/metric-query';
import { PersonQuery } from '../query/person-query';
import type { RawEventReader } from '../views/raw-event-reader';
import { PersonsController } from './persons.controller';

/** Persons: ids joined by identify and alias calls, and a person's profile. */
@Module({
  imports: [AuthModule],
  controllers: [PersonsController],
  providers: [
    {
      provide: PersonQuery,
      useFactory: (m: MetricQuery, raw: RawEventReader, config: Config) =>
        new PersonQuery(m, raw, config.sessions.timeoutMs),
      inject: [MetricQuery, RAW_EVENTS, CONFIG],
    },
  ],
})
export class PersonsModule {}
