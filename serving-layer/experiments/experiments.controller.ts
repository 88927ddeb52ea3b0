import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { assignUser, type UserAssignment } from '../../core/experiments/assignment';
import {
  EXPERIMENT_ID,
  ExperimentSchema,
  experimentProblems,
  type ExperimentDefinition,
} from '../../core/experiments/definition';
import { AdminGuard } from '../auth/admin.guard';
import { JwtGuard, type AuthedRequest } from '../auth/jwt.guard';
import { EXPERIMENTS } from '../tokens';
import type { ExperimentStore, StoredExperiment } from './experiment-store';
import { ExperimentQuery, type ExperimentAnswer } from '../query/experiment-query';

/**
 * Experiments of the token's project, in PostgreSQL: read with the read scope, defined and
 * changed with the admin scope. Another project's experiment is not found, never shown.
 */
@Controller('v1/experiments')
@UseGuards(JwtGuard)
export class ExperimentsController {
  constructor(
    @Inject(EXPERIMENTS) private readonly store: ExperimentStore,
    @Inject(ExperimentQuery) private readonly query: ExperimentQuery,
  ) {}

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
    return this.query.results(req.auth.project, definition, options);
  }

  @Get()
  async list(@Req() req: AuthedRequest): Promise<{ experiments: StoredExperiment[] }> {
    return { experiments: await this.store.list(req.auth.project) };
  }

  @Get(':id')
  async one(@Req() req: AuthedRequest, @Param('id') id: string): Promise<StoredExperiment> {
    return this.found(EXPERIMENT_ID.test(id) ? await this.store.get(req.auth.project, id) : undefined, id);
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

  @Post()
  @UseGuards(AdminGuard)
  async create(@Req() req: AuthedRequest, @Body() body: unknown): Promise<StoredExperiment> {
    const created = await this.store.create(req.auth.project, this.parse(body));
    if (!created)
      throw new ConflictException(
        `experiment ${(body as { id: string }).id} exists already: PUT /v1/experiments/<id> changes it`,
      );
    return created;
  }

  /** Replaces the definition; `?version=N` (from GET) makes it conditional: a stale one is a 409. */
  @Put(':id')
  @UseGuards(AdminGuard)
  async replace(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query('version') version: unknown,
  ): Promise<StoredExperiment> {
    const d = this.parse(typeof body === 'object' && body !== null ? { ...body, id } : body);
    const v = version === undefined ? undefined : Number(version);
    if (v !== undefined && !(Number.isInteger(v) && v > 0))
      throw new BadRequestException('version must be a whole number above 0 (the version GET answered)');
    const r = await this.store.replace(req.auth.project, d, v);
    if (r === 'stale')
      throw new ConflictException(
        `experiment ${id} changed since version ${v}: GET it again and reapply the change`,
      );
    return this.found(r === 'missing' ? undefined : r, id);
  }

  @Delete(':id')
  @UseGuards(AdminGuard)
  @HttpCode(204)
  async remove(@Req() req: AuthedRequest, @Param('id') id: string): Promise<void> {
    if (!(EXPERIMENT_ID.test(id) && (await this.store.delete(req.auth.project, id))))
      this.found(undefined, id);
  }

  private parse(body: unknown): ExperimentDefinition {
    const parsed = ExperimentSchema.safeParse(body);
    if (!parsed.success)
      throw new BadRequestException(`invalid experiment: ${experimentProblems(parsed.error)}`);
    return parsed.data;
  }

  private found(e: StoredExperiment | undefined, id: string): StoredExperiment {
    if (!e)
      throw new NotFoundException(`no experiment '${id}' in this project: GET /v1/experiments lists them`);
    return e;
  }
}
