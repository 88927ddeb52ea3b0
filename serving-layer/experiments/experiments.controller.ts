import { BadRequestException, Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { assignUser, type UserAssignment } from '../../core/experiments/assignment';
import {
  EXPERIMENT_ID,
  ExperimentSchema,
  type ExperimentDefinition,
} from '../../core/experiments/definition';
import { DefinitionController } from '../definitions/definition-controller';
import { DefinitionRoutes } from '../definitions/definition-routes';
import type { AuthedRequest } from '../auth/authenticate';
import { EXPERIMENTS, INSIGHTS, SEGMENTS } from '../injection-tokens';
import type { InsightStore } from '../insights/insight-store';
import type { InsightDefinition } from '../../core/insights/definition';
import type { SegmentStore } from '../segments/segment-store';
import { oneSegment } from '../segments/segment-param';
import type { ExperimentStore } from './experiment-store';
import { ExperimentQuery, type ExperimentAnswer } from '../query/experiment-query';

/**
 * Experiments of the token's project, in PostgreSQL: read with the read scope, defined and
 * changed with the admin scope. Another project's experiment is not found, never shown.
 */
@Controller('v1/experiments')
export class ExperimentsController extends DefinitionController<ExperimentDefinition> {
  protected readonly plural = 'experiments';
  constructor(
    @Inject(EXPERIMENTS) private readonly store: ExperimentStore,
    @Inject(ExperimentQuery) private readonly query: ExperimentQuery,
    @Inject(SEGMENTS) private readonly segments: SegmentStore,
    @Inject(INSIGHTS) private readonly insights: InsightStore,
  ) {
    super();
    this.routes = new DefinitionRoutes(store, {
      name: 'experiment',
      route: '/v1/experiments',
      id: EXPERIMENT_ID,
      schema: ExperimentSchema,
    });
  }

  protected readonly routes: DefinitionRoutes<ExperimentDefinition>;

  /**
   * Per-variation users and metrics, and each variation against the control: frequentist
   * (fixed-horizon, or sequential with `sequential=true`) and Bayesian; CUPED unless `cuped=false`;
   * the sample-ratio-mismatch check. From the lake before the watermark and the speed view after.
   */
  @Get(':id/results')
  async results(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query() q: Record<string, unknown>,
  ): Promise<ExperimentAnswer> {
    const flag = (name: string, fallback: boolean) => {
      const v = q[name];
      if (v === undefined) return fallback;
      if (v !== 'true' && v !== 'false') throw new BadRequestException(`${name} must be true or false`);
      return v === 'true';
    };
    const number = (name: string, fallback: number, min: number, max: number) => {
      const v = q[name] === undefined ? fallback : Number(q[name]);
      if (!(Number.isFinite(v) && v > min && v < max))
        throw new BadRequestException(`${name} must be a number between ${min} and ${max}`);
      return v;
    };
    const options = {
      alpha: number('alpha', 0.05, 0, 0.5),
      cuped: flag('cuped', true),
      sequentialTuning: flag('sequential', false) ? number('tuning', 5000, 0, 1e9) : undefined,
    };
    const { definition } = await this.one(req, id);
    const raw = q.segment;
    if (raw !== undefined && typeof raw !== 'string')
      throw new BadRequestException('segment must be given once');
    const segment = await oneSegment(this.segments, req.auth.project, raw === '' ? undefined : raw);
    // The saved insights its metrics name, read now: a metric follows its insight's definition.
    const insights = new Map<string, InsightDefinition>();
    for (const m of [...definition.goals, ...definition.guardrails])
      if (m.kind === 'insight') {
        const saved = await this.insights.get(req.auth.project, m.insight);
        if (saved) insights.set(m.insight, saved.definition);
      }
    return this.query.results({
      project: req.auth.project,
      experiment: definition,
      options,
      segment,
      insights,
    });
  }

  /**
   * The variation a user sees: GrowthBook's hashing (version 2) over the experiment's seed, so it
   * equals what a GrowthBook SDK assigns; the same answer every time, in every process.
   */
  @Get(':id/assign')
  async assign(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query('userId') userId: unknown,
  ): Promise<UserAssignment> {
    if (typeof userId !== 'string' || userId === '' || userId.length > 500)
      throw new BadRequestException(
        'userId must be given once: the id the user is assigned by (1 to 500 characters)',
      );
    return assignUser((await this.one(req, id)).definition, userId);
  }
}
