import { Controller, Get, Inject, Query, Req, UseGuards } from '@nestjs/common';
import { JwtGuard, type AuthedRequest } from '../auth/jwt.guard';
import { CommerceQuery } from '../query/commerce-query';
import { ContentQuery } from '../query/content-query';
import { FunnelQuery } from '../query/funnel-query';
import {
  ContentParams,
  FunnelParams,
  parseParams,
  ProductsParams,
  RangeParams,
  RetentionParams,
} from '../query/params';
import { RetentionQuery } from '../query/retention-query';
import { parseTimeRange } from '../query/time-range';

/** Content, commerce, funnels and retention: analyses built on the merged views. */
@Controller('v1')
@UseGuards(JwtGuard)
export class AnalyticsController {
  constructor(
    @Inject(ContentQuery) private readonly content: ContentQuery,
    @Inject(CommerceQuery) private readonly commerce: CommerceQuery,
    @Inject(FunnelQuery) private readonly funnels: FunnelQuery,
    @Inject(RetentionQuery) private readonly retention: RetentionQuery,
  ) {}

  @Get('content')
  topContent(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(ContentParams, raw);
    return this.content.top(req.auth.project, parseTimeRange(q.from, q.to), {
      limit: q.limit,
      sort: q.sort,
      ...(q.contentId ? { contentIds: q.contentId } : {}),
    });
  }

  @Get('commerce')
  commerceSummary(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(RangeParams, raw);
    return this.commerce.summary(req.auth.project, parseTimeRange(q.from, q.to));
  }

  @Get('commerce/products')
  products(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(ProductsParams, raw);
    return this.commerce.products(req.auth.project, parseTimeRange(q.from, q.to), {
      by: q.by,
      limit: q.limit,
    });
  }

  @Get('funnels')
  funnel(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(FunnelParams, raw);
    return this.funnels.funnel(req.auth.project, parseTimeRange(q.from, q.to), q.steps, q.windowSeconds);
  }

  @Get('retention')
  cohorts(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest) {
    const q = parseParams(RetentionParams, raw);
    return this.retention.cohorts(req.auth.project, parseTimeRange(q.from, q.to), q.period, q.event);
  }
}
