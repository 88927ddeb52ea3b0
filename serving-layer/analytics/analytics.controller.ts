import { BadRequestException, Controller, Get, Inject, Query, Req, UseGuards } from '@nestjs/common';
import { JwtGuard, type AuthedRequest } from '../auth/jwt.guard';
import { parseTimeRange } from '../query/time-range';
import { CommerceQuery } from '../query/commerce-query';
import { CONTENT_SORTS, ContentQuery } from '../query/content-query';
import { FunnelQuery, parseSteps } from '../query/funnel-query';
import { choiceParam, intParam } from '../query/params';
import { RetentionQuery } from '../query/retention-query';

const MAX_WINDOW_SECONDS = 30 * 86_400;

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
  topContent(@Query() q: Record<string, unknown>, @Req() req: AuthedRequest) {
    const ids = typeof q.contentId === 'string' && q.contentId !== '' ? q.contentId.split(',') : undefined;
    return this.content.top(req.auth.project, parseTimeRange(q.from, q.to), {
      limit: intParam(q.limit, 'limit', 20, 1, 1000),
      sort: choiceParam(q.sort, 'sort', CONTENT_SORTS, 'plays'),
      ...(ids ? { contentIds: ids } : {}),
    });
  }

  @Get('commerce')
  commerceSummary(@Query() q: Record<string, unknown>, @Req() req: AuthedRequest) {
    return this.commerce.summary(req.auth.project, parseTimeRange(q.from, q.to));
  }

  @Get('commerce/products')
  products(@Query() q: Record<string, unknown>, @Req() req: AuthedRequest) {
    return this.commerce.products(req.auth.project, parseTimeRange(q.from, q.to), {
      by: choiceParam(q.by, 'by', ['product', 'category'] as const, 'product'),
      limit: intParam(q.limit, 'limit', 50, 1, 1000),
    });
  }

  @Get('funnels')
  funnel(@Query() q: Record<string, unknown>, @Req() req: AuthedRequest) {
    return this.funnels.funnel(
      req.auth.project,
      parseTimeRange(q.from, q.to),
      parseSteps(q.steps),
      intParam(q.windowSeconds, 'windowSeconds', 86_400, 1, MAX_WINDOW_SECONDS),
    );
  }

  @Get('retention')
  cohorts(@Query() q: Record<string, unknown>, @Req() req: AuthedRequest) {
    if (q.event !== undefined && (typeof q.event !== 'string' || q.event.length > 200)) {
      throw new BadRequestException('event must be one event name of at most 200 characters');
    }
    return this.retention.cohorts(
      req.auth.project,
      parseTimeRange(q.from, q.to),
      choiceParam(q.period, 'period', ['day', 'week'] as const, 'day'),
      typeof q.event === 'string' && q.event !== '' ? q.event : undefined,
    );
  }
}
