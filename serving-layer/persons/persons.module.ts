import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MetricQuery } from '../query/metric-query';
import { PersonQuery } from '../query/person-query';
import { PersonsController } from './persons.controller';

/** Persons: ids joined by identify and alias calls, and a person's profile. */
@Module({
  imports: [AuthModule],
  controllers: [PersonsController],
  providers: [
    // The query core's own: funnels and retention by person read the same graph (and its cache).
    { provide: PersonQuery, useFactory: (m: MetricQuery) => m.persons(), inject: [MetricQuery] },
  ],
})
export class PersonsModule {}
