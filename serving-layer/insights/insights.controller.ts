import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { INSIGHT_ID, InsightSchema, type InsightDefinition } from '../../core/insights/definition';
import { JwtGuard, type AuthedRequest } from '../auth/jwt.guard';
import { DefinitionController } from '../definitions/definition-controller';
import { DefinitionRoutes } from '../definitions/definition-routes';
import { INSIGHTS } from '../injection-tokens';
import { parseInsightGranularity } from '../query/granularity';
import type { InsightAnswer } from '../query/insight-query';
import { MetricQuery } from '../query/metric-query';
import { InsightAnswerParams, parseParams } from '../query/params';
import { parseTimeRange } from '../query/time-range';
import type { InsightStore } from './insight-store';

/**
 * Metrics defined without code, per project in PostgreSQL: read with the read scope, defined and
 * changed with the admin scope, answered over any range (`/answer`), and a definition answered
 * as it is sent, without storing it (`POST /v1/insights/answer`: what the explorer's form asks).
 */
@Controller('v1/insights')
@UseGuards(JwtGuard)
export class InsightsController extends DefinitionController<InsightDefinition> {
  protected readonly routes: DefinitionRoutes<InsightDefinition>;
  protected readonly plural = 'insights';

  constructor(
    @Inject(INSIGHTS) store: InsightStore,
    @Inject(MetricQuery) private readonly metrics: MetricQuery,
  ) {
    super();
    this.routes = new DefinitionRoutes(store, {
      name: 'insight',
      route: '/v1/insights',
      id: INSIGHT_ID,
      schema: InsightSchema,
    });
  }

  /** A definition answered as sent (checked as a stored one is), over `?from&to&granularity&tz&compare&rolling`. */
  @Post('answer')
  @HttpCode(200)
  answerUnsaved(
    @Req() req: AuthedRequest,
    @Body() body: unknown,
    @Query() raw: Record<string, unknown>,
  ): Promise<InsightAnswer> {
    return this.answer(req, this.routes.check(body), raw);
  }

  @Get(':id/answer')
  async answerSaved(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
  ): Promise<InsightAnswer> {
    return this.answer(req, (await this.routes.one(req.auth.project, id)).definition, raw);
  }

  private answer(req: AuthedRequest, insight: InsightDefinition, raw: Record<string, unknown>) {
    const q = parseParams(InsightAnswerParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const granularity = parseInsightGranularity(q.granularity, range.from, range.to);
    return this.metrics.insights().answer({
      insight,
      project: req.auth.project,
      range,
      granularity,
      tz: q.tz,
      compare: q.compare,
      rolling: q.rolling > 1 ? q.rolling : undefined,
    });
  }
}
