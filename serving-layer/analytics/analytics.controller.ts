import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import type { AuthedRequest } from '../auth/authenticate';
import { CommerceQuery } from '../query/commerce-query';
import { ContentQuery } from '../query/content-query';
import { FunnelQuery } from '../query/funnel-query';
import { PathQuery } from '../query/path-query';
import {
  ContentParams,
  FunnelParams,
  parseParams,
  PathParams,
  ProductsParams,
  CommerceParams,
  RetentionParams,
  SessionParams,
} from '../query/params';
import { parseFilter } from '../query/filter';
import { parseGranularity } from '../query/granularity';
import { BadQueryError } from '../query/errors';
import { SessionQuery } from '../query/session-query';
import { EVENT_DIMENSION_NAMES, isEventDimension } from '../../core/events/dimensions';
import { RetentionQuery } from '../query/retention-query';
import { parseTimeRange } from '../query/time-range';
import { SEGMENTS } from '../injection-tokens';
import type { SegmentStore } from '../segments/segment-store';
import { oneSegment } from '../segments/segment-param';

/** Content, commerce, funnels, paths and retention: analyses built on the merged views. */
@Controller('v1')
export class AnalyticsController {
  constructor(
    @Inject(ContentQuery) private readonly content: ContentQuery,
    @Inject(CommerceQuery) private readonly commerce: CommerceQuery,
    @Inject(FunnelQuery) private readonly funnels: FunnelQuery,
    @Inject(RetentionQuery) private readonly retention: RetentionQuery,
    @Inject(PathQuery) private readonly pathQuery: PathQuery,
    @Inject(SessionQuery) private readonly visits: SessionQuery,
    @Inject(SEGMENTS) private readonly segments: SegmentStore,
  ) {}

  private segment(req: AuthedRequest, raw: string | undefined) {
    return oneSegment(this.segments, req.auth.project, raw);
  }

  @Get('content')
  async topContent(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(ContentParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const segment = await this.segment(req, q.segment);
    return this.content.top(req.auth.project, range, {
      limit: q.limit,
      sort: q.sort,
      ...(q.contentId ? { contentIds: q.contentId } : {}),
      ...(segment ? { segment } : {}),
    });
  }

  @Get('commerce')
  async commerceSummary(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(CommerceParams, raw);
    const range = parseTimeRange(q.from, q.to);
    return this.commerce.summary(req.auth.project, range, await this.segment(req, q.segment));
  }

  @Get('commerce/products')
  async products(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(ProductsParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const segment = await this.segment(req, q.segment);
    return this.commerce.products(req.auth.project, range, {
      by: q.by,
      limit: q.limit,
      ...(segment ? { segment } : {}),
    });
  }

  @Get('funnels')
  async funnel(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(FunnelParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const segment = await this.segment(req, q.segment);
    return this.funnels.funnel({
      project: req.auth.project,
      range,
      steps: q.steps,
      windowSeconds: q.windowSeconds,
      segment,
      persons: q.persons !== 'false',
      order: q.order,
      exclude: q.exclude ?? [],
      breakdown: q.breakdown === '' ? undefined : q.breakdown,
      limit: q.limit,
    });
  }

  @Get('paths')
  paths(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(PathParams, raw);
    return this.pathQuery.paths({
      project: req.auth.project,
      range: parseTimeRange(q.from, q.to),
      start: q.start,
      direction: q.direction,
      steps: q.steps,
      limit: q.limit,
      persons: q.persons !== 'false',
    });
  }

  @Get('retention')
  async cohorts(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(RetentionParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const segment = await this.segment(req, q.segment);
    return this.retention.cohorts({
      project: req.auth.project,
      range,
      period: q.period,
      event: q.event,
      segment,
      persons: q.persons !== 'false',
    });
  }

  @Get('sessions')
  sessions(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(SessionParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const by = q.groupBy === undefined || q.groupBy === '' ? undefined : q.groupBy;
    if (by !== undefined && !isEventDimension(by))
      throw new BadQueryError(
        `sessions can be grouped by ${EVENT_DIMENSION_NAMES.map((d) => `'${d}'`).join(', ')}, not '${by}'`,
      );
    const { where } = parseFilter(q.filter, undefined);
    return this.visits.sessions({
      project: req.auth.project,
      range,
      granularity: parseGranularity(q.granularity, range.from, range.to),
      by,
      where,
      limit: q.limit,
    });
  }
}
