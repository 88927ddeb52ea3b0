import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config';
import { BATCH_VIEWS, CLICKHOUSE, CONFIG } from '../tokens';
import type { BatchViewReader } from '../views/batch-view-reader';
import type { TimeRange } from './time-range';

/** One contiguous part of the answer and the layer it came from. */
export interface AnswerPart {
  source: 'batch' | 'speed';
  from: string;
  to: string;
  value: number;
}

export interface MetricAnswer {
  metric: string;
  project: string;
  from: string;
  to: string;
  value: number;
  source: 'batch' | 'speed' | 'mixed';
  parts: AnswerPart[];
  /** End of the last sealed hour: the batch view answers before it, the speed view after. */
  watermark: string | null;
}

/** ClickHouse's DateTime64 text form, UTC. */
const chDateTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** Metric names served so far, and the catalog metric each reads. */
const SERVED: Record<string, { metric: string; measure: 'count' | 'sum' }> = {
  events_count: { metric: 'events', measure: 'count' },
};
export const METRICS = Object.keys(SERVED);

/**
 * Answers a metric by merging the layers: the part of the range up to the batch watermark from
 * the batch view (sealed, exact), the rest from the speed view. The split is at an hour boundary
 * and each instant comes from exactly one layer, so nothing is counted twice or missed.
 */
@Injectable()
export class MetricsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    @Inject(BATCH_VIEWS) private readonly batch: BatchViewReader,
  ) {}

  async query(name: string, project: string, range: TimeRange): Promise<MetricAnswer> {
    const def = SERVED[name];
    if (!def) throw new NotFoundException(`unknown metric '${name}': GET /v1/metrics lists the catalog`);
    const watermark = this.batch.watermarkEnd();
    const split = watermark
      ? new Date(Math.min(Math.max(watermark.getTime(), range.from.getTime()), range.to.getTime()))
      : range.from;
    const parts: AnswerPart[] = [];
    if (split > range.from) {
      const b = await this.batch.total(project, def.metric, range.from, split);
      parts.push({
        source: 'batch',
        from: range.from.toISOString(),
        to: split.toISOString(),
        value: b[def.measure],
      });
    }
    if (range.to > split) {
      const s = await this.speedTotal(project, def.metric, split, range.to);
      parts.push({
        source: 'speed',
        from: split.toISOString(),
        to: range.to.toISOString(),
        value: s[def.measure],
      });
    }
    const sources = new Set(parts.map((p) => p.source));
    return {
      metric: name,
      project,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      value: parts.reduce((n, p) => n + p.value, 0),
      source: sources.size > 1 ? 'mixed' : sources.has('batch') ? 'batch' : 'speed',
      parts,
      watermark: watermark?.toISOString() ?? null,
    };
  }

  private async speedTotal(
    project: string,
    metric: string,
    from: Date,
    to: Date,
  ): Promise<{ count: number; sum: number }> {
    const result = await this.clickhouse.query({
      query: `SELECT toUInt64(sum(count)) AS count, sum(sum) AS sum FROM {db:Identifier}.speed_measures_minute
              WHERE project_id = {project:String} AND metric = {metric:String}
                AND minute >= toStartOfMinute({from:DateTime64(3, 'UTC')})
                AND minute < {to:DateTime64(3, 'UTC')}`,
      query_params: {
        db: this.config.clickhouse.database,
        project,
        metric,
        from: chDateTime(from),
        to: chDateTime(to),
      },
      format: 'JSONEachRow',
    });
    const row = (await result.json<{ count: string | number; sum: number }>())[0];
    return { count: Number(row?.count ?? 0), sum: Number(row?.sum ?? 0) };
  }
}
