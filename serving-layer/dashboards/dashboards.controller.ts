import type { ServingDeps } from '../serving-core.module';
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
  Patch,
  Post,
  Req,
} from '@nestjs/common';
import type { AuthedRequest } from '../auth/authenticate';
import { DASHBOARDS, INSIGHTS, SQL } from '../injection-tokens';
import type { InsightStore } from '../insights/insight-store';
import type { DashboardStore } from './dashboard-store';
import {
  DashboardPatchSchema,
  NewDashboardSchema,
  problemsOf,
  type Dashboard,
  type Tile,
} from './definition';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Saved dashboards of the token's project, kept in PostgreSQL. A dashboard of another project is
 * not found, never shown. While PostgreSQL is down every route answers 503 (MetadataErrorsFilter).
 */
@Controller('v1/dashboards')
export class DashboardsController {
  constructor(
    @Inject(DASHBOARDS) private readonly store: DashboardStore,
    @Inject(INSIGHTS) private readonly insights: InsightStore,
    @Inject(SQL) private readonly sql: ServingDeps['sql'],
  ) {}

  /** A tile naming an insight or SQL query the project has not saved is refused, not drawn as an error later. */
  private async insightsExist(project: string, tiles: Tile[] | undefined): Promise<void> {
    const missing: string[] = [];
    for (const id of new Set((tiles ?? []).flatMap((t) => (t.insight ? [t.insight] : []))))
      if (!(await this.insights.get(project, id))) missing.push(id);
    if (missing.length > 0)
      throw new BadRequestException(
        `no saved insight ${missing.join(', ')} in this project: POST /v1/insights first (GET /v1/insights lists them)`,
      );
    for (const id of new Set((tiles ?? []).flatMap((t) => (t.query ? [t.query] : []))))
      if (!(await this.sql.saved.get(project, id))) missing.push(id);
    if (missing.length > 0)
      throw new BadRequestException(
        `no saved SQL query ${missing.join(', ')} in this project: POST /v1/queries first (GET /v1/queries lists them)`,
      );
  }

  @Get()
  async list(@Req() req: AuthedRequest): Promise<{ dashboards: Dashboard[] }> {
    return { dashboards: await this.store.list(req.auth.project) };
  }

  @Get(':id')
  async get(@Req() req: AuthedRequest, @Param('id') id: string): Promise<Dashboard> {
    return this.found(await this.store.get(req.auth.project, this.id(id)), id);
  }

  @Post()
  async create(@Req() req: AuthedRequest, @Body() body: unknown): Promise<Dashboard> {
    const parsed = NewDashboardSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException(`invalid dashboard: ${problemsOf(parsed.error)}`);
    await this.insightsExist(req.auth.project, parsed.data.tiles);
    return this.store.create(req.auth.project, parsed.data);
  }

  @Patch(':id')
  async update(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<Dashboard> {
    const parsed = DashboardPatchSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException(`invalid change: ${problemsOf(parsed.error)}`);
    await this.insightsExist(req.auth.project, parsed.data.tiles);
    const r = await this.store.update(req.auth.project, this.id(id), parsed.data);
    if (r === 'stale')
      throw new ConflictException(
        `dashboard ${id} changed since version ${parsed.data.version}: GET it again and reapply the change`,
      );
    return this.found(r === 'missing' ? undefined : r, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() req: AuthedRequest, @Param('id') id: string): Promise<void> {
    if (!(await this.store.delete(req.auth.project, this.id(id)))) this.found(undefined, id);
  }

  private id(id: string): string {
    // Not a UUID: no dashboard has that id, the same 404 as any other unknown one.
    if (!UUID.test(id)) this.found(undefined, id);
    return id;
  }

  private found(d: Dashboard | undefined, id: string): Dashboard {
    if (!d) throw new NotFoundException(`no dashboard ${id} in this project: GET /v1/dashboards lists them`);
    return d;
  }
}
