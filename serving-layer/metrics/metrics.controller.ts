import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { EVENT_DIMENSION_NAMES } from '../../core/events/dimensions';
import type { AuthedRequest } from '../auth/authenticate';
import { parseGranularity } from '../query/granularity';
import { parseEventFilter, parseFilter } from '../query/filter';
import { MetricByNameParams, MetricParams, parseParams } from '../query/params';
import { catalogListing, MetricQuery } from '../query/metric-query';
import { parseTimeRange } from '../query/time-range';
import { SEGMENTS } from '../injection-tokens';
import type { SegmentStore } from '../segments/segment-store';
import { segmentScope } from '../segments/segment-param';

@Controller()
export class MetricsController {
  constructor(
    @Inject(MetricQuery) private readonly metrics: MetricQuery,
    @Inject(SEGMENTS) private readonly segments: SegmentStore,
  ) {}

  @Get('v1/metrics')
  catalog() {
    return { metrics: catalogListing(), eventDimensions: EVENT_DIMENSION_NAMES };
  }

  @Get('v1/metrics/:name')
  one(@Param('name') name: string, @Query() q: Record<string, unknown>, @Req() req: AuthedRequest) {
    return this.answer(name, parseParams(MetricParams, q), req);
  }

  /** The same answer as /v1/metrics/:name, for clients that pass the name as a parameter. */
  @Get('metrics')
  byQuery(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(MetricByNameParams, raw);
    return this.answer(q.name ?? '', q, req);
  }

  private async answer(name: string, q: ReturnType<typeof MetricParams.parse>, req: AuthedRequest) {
    const range = parseTimeRange(q.from, q.to);
    const granularity = parseGranularity(q.granularity, range.from, range.to);
    const { dims, where } = parseFilter(q.filter, this.metrics.dimensionOf(name));
    const segments = await segmentScope(this.segments, req.auth.project, q.segment, q.breakdown);
    const filter = parseEventFilter(q.filters);
    return this.metrics.query({
      metric: name,
      project: req.auth.project,
      range,
      granularity,
      groupBy: q.groupBy,
      ...(dims ? { dims } : {}),
      ...(where ? { where } : {}),
      ...(filter ? { filter } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(segments ? { segments } : {}),
    });
  }
}
