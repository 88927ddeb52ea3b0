import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { INSIGHT_ID, InsightSchema, type InsightDefinition } from '../../core/insights/definition';
import type { AuthedRequest } from '../auth/authenticate';
import { DefinitionController } from '../definitions/definition-controller';
import { DefinitionRoutes } from '../definitions/definition-routes';
import { INSIGHTS } from '../injection-tokens';
import { GRANULARITIES, parseGranularity, parseInsightGranularity } from '../query/granularity';
import { catalogListing } from '../query/catalog-listing';
import type { MetricAnswer } from '../query/answer';
import { BadQueryError } from '../query/errors';
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

  /**
   * The project's saved insights, and the predefined ones: the catalog's metrics (and session
   * metrics), answered at the same /answer route from the views that pre-aggregate them.
   */
  /**
   * Listed beside the project's saved insights: the predefined ones, the catalog's metrics (and
   * session metrics), answered at the same /answer route from the views that pre-aggregate them.
   */
  protected override alsoListed() {
    return {
      predefined: catalogListing().map((m) => ({ id: m.name, description: m.description, value: m.value })),
    };
  }

  @Get(':id/answer')
  async answerSaved(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
  ): Promise<InsightAnswer | PredefinedAnswer> {
    if (PREDEFINED.has(id)) return this.predefined(req, id, raw);
    return this.answer(req, (await this.routes.one(req.auth.project, id)).definition, raw);
  }

  /**
   * A catalog metric asked as an insight: the same answer as GET /v1/metrics/<name> (batch view up
   * to the watermark, speed view after), in the insight's shape, with the period before when
   * asked. Its buckets are the views' (minute, hour, day in UTC).
   */
  private async predefined(
    req: AuthedRequest,
    name: string,
    raw: Record<string, unknown>,
  ): Promise<PredefinedAnswer> {
    const q = parseParams(InsightAnswerParams, raw);
    const range = parseTimeRange(q.from, q.to);
    if (!(GRANULARITIES as readonly string[]).includes(q.granularity) || q.tz !== 'UTC' || q.rolling > 1)
      throw new BadQueryError(
        `${name} is a catalog metric, answered from views in UTC minutes, hours and days: week, month, tz and rolling are for defined insights (POST /v1/insights one over its events)`,
      );
    const granularity = parseGranularity(q.granularity, range.from, range.to);
    const ask = (r: typeof range) =>
      this.metrics.query({ metric: name, project: req.auth.project, range: r, granularity });
    const now = await ask(range);
    const answer: PredefinedAnswer = {
      ...now,
      insight: name,
      predefined: true,
      measure: PREDEFINED.get(name) ?? 'count',
      timeZone: 'UTC',
    };
    if (q.compare !== 'previous') return answer;
    const length = range.to.getTime() - range.from.getTime();
    const before = await ask({ from: new Date(range.from.getTime() - length), to: range.from });
    return {
      ...answer,
      previous: { from: before.from, to: before.to, value: before.value, buckets: before.buckets },
      change: before.value === 0 ? null : (now.value - before.value) / before.value,
    };
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

/** The catalog's metrics by name, with what their value is (count, sum, unique...). */
const PREDEFINED = new Map(catalogListing().map((m) => [m.name, m.value]));

/** A catalog metric's answer (GET /v1/metrics/<name>) in an insight's shape. */
type PredefinedAnswer = MetricAnswer & {
  insight: string;
  predefined: true;
  measure: string;
  timeZone: 'UTC';
  previous?: { from: string; to: string; value: number; buckets: MetricAnswer['buckets'] };
  change?: number | null;
};
