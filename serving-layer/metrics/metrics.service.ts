import { Inject, Injectable } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config/config';
import { MetricQuery } from '../query/metric-query';
import { BATCH_VIEWS, CLICKHOUSE, CONFIG, RAW_EVENTS } from '../tokens';
import type { RawEventReader } from '../views/raw-event-reader';
import type { BatchViewReader } from '../views/batch-view-reader';

export * from '../query/metric-query';

/** The query core as a NestJS provider, for the controllers and services that inject it. */
@Injectable()
export class MetricsService extends MetricQuery {
  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(CLICKHOUSE) clickhouse: ClickHouseClient,
    @Inject(BATCH_VIEWS) batch: BatchViewReader,
    @Inject(RAW_EVENTS) raw: RawEventReader,
  ) {
    super(config, clickhouse, batch, raw);
  }
}
