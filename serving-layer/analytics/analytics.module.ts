import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CONFIG, RAW_EVENTS } from '../injection-tokens';
import type { Config } from '../../core/config/config';
import { PathQuery } from '../query/path-query';
import { SessionQuery } from '../query/session-query';
import { CommerceQuery } from '../query/commerce-query';
import { ContentQuery } from '../query/content-query';
import { FunnelQuery } from '../query/funnel-query';
import { MetricQuery } from '../query/metric-query';
import { RetentionQuery } from '../query/retention-query';
import type { RawEventReader } from '../views/raw-event-reader';
import { AnalyticsController } from './analytics.controller';

/** Content, commerce, funnels, paths, retention and sessions: the query core's analyses, composed from its metric query. */
@Module({
  imports: [AuthModule],
  controllers: [AnalyticsController],
  providers: [
    { provide: ContentQuery, useFactory: (m: MetricQuery) => new ContentQuery(m), inject: [MetricQuery] },
    { provide: CommerceQuery, useFactory: (m: MetricQuery) => new CommerceQuery(m), inject: [MetricQuery] },
    {
      provide: FunnelQuery,
      useFactory: (m: MetricQuery, raw: RawEventReader) => new FunnelQuery(m, raw),
      inject: [MetricQuery, RAW_EVENTS],
    },
    // The query core's own: GET /v1/sessions and the session metrics are one computation.
    { provide: SessionQuery, useFactory: (m: MetricQuery) => m.sessions(), inject: [MetricQuery] },
    {
      provide: PathQuery,
      // A path ends where a visit does: a gap longer than the session timeout.
      useFactory: (m: MetricQuery, raw: RawEventReader, c: Config) =>
        new PathQuery(m, raw, c.sessions.timeoutMs),
      inject: [MetricQuery, RAW_EVENTS, CONFIG],
    },
    {
      provide: RetentionQuery,
      useFactory: (m: MetricQuery, raw: RawEventReader) => new RetentionQuery(m, raw),
      inject: [MetricQuery, RAW_EVENTS],
    },
  ],
})
export class AnalyticsModule {}
