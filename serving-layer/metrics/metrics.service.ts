import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config';
import { CLICKHOUSE, CONFIG } from '../tokens';
import type { TimeRange } from './time-range';

export interface MetricAnswer {
  metric: string;
  project: string;
  from: string;
  to: string;
  value: number;
  source: 'speed';
}

/** ClickHouse's DateTime64 text form, UTC. */
const chDateTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** Metric names served so far. */
export const METRICS = ['events_count'] as const;

@Injectable()
export class MetricsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
  ) {}

  async query(metric: string, project: string, range: TimeRange): Promise<MetricAnswer> {
    if (!(METRICS as readonly string[]).includes(metric)) {
      throw new NotFoundException(`unknown metric '${metric}': GET /v1/metrics lists the catalog`);
    }
    const result = await this.clickhouse.query({
      query: `SELECT toUInt64(sum(count)) AS value FROM {db:Identifier}.speed_measures_minute
              WHERE project_id = {project:String} AND metric = 'events'
                AND minute >= toStartOfMinute({from:DateTime64(3, 'UTC')})
                AND minute < {to:DateTime64(3, 'UTC')}`,
      query_params: {
        db: this.config.clickhouse.database,
        project,
        from: chDateTime(range.from),
        to: chDateTime(range.to),
      },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ value: string | number }>();
    return {
      metric,
      project,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      value: Number(rows[0]?.value ?? 0),
      source: 'speed',
    };
  }
}
