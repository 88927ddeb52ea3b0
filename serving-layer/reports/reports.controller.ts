import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Config } from '../../core/config/config';
import { newReportId, parseReportDefinition, REPORT_ID } from '../../core/reports/definition';
import { ReportExistsError, type ReportSchedules } from '../../workflows/report-schedules';
import type { AuthedRequest } from '../auth/authenticate';
import type { QualityQuery } from '../quality/quality-query';
import { MetricQuery } from '../query/metric-query';
import { CONFIG, INSIGHTS, REPORT_SCHEDULES, QUALITY } from '../injection-tokens';
import type { InsightStore } from '../insights/insight-store';
import { renderReportEmail } from './report-email';
import { computeFigures } from './report-figures';

/**
 * Scheduled reports of the token's project: each is a Temporal Schedule `report-<project>.<id>`, so the
 * Temporal UI shows, pauses and triggers the same reports. Admin scope only.
 */
@Controller('v1/reports')
export class ReportsController {
  constructor(
    @Inject(REPORT_SCHEDULES) private readonly schedules: ReportSchedules,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(MetricQuery) private readonly metrics: MetricQuery,
    @Inject(QUALITY) private readonly quality: QualityQuery,
    @Inject(INSIGHTS) private readonly insightStore: InsightStore,
  ) {}

  /** Where a report's insights are defined: the project's saved insights. */
  private readonly insights = {
    definition: async (project: string, id: string) => (await this.insightStore.get(project, id))?.definition,
  };

  /** A report naming an insight the project has not saved is refused before it is scheduled. */
  private async insightsExist(project: string, ids: readonly string[] | undefined): Promise<void> {
    const missing: string[] = [];
    for (const id of ids ?? []) if (!(await this.insights.definition(project, id))) missing.push(id);
    if (missing.length > 0)
      throw new BadRequestException(
        `invalid report: insights: no saved insight ${missing.join(', ')} (POST /v1/insights first; GET /v1/insights lists them)`,
      );
  }

  /** Temporal being unreachable is the one failure a caller can only wait out: 503 saying so. */
  private async temporal<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ReportExistsError)
        throw new ConflictException(`${e.message}: pick another id, or PUT /v1/reports/<id> to change it`);
      throw new ServiceUnavailableException(
        `Temporal at ${this.config.temporal.address} did not answer (${(e as Error).message}): reports are kept as Temporal Schedules, try again when it is back`,
      );
    }
  }

  private parse(body: unknown, project: string, id?: string) {
    const withId = id !== undefined && typeof body === 'object' && body !== null ? { ...body, id } : body;
    const parsed = parseReportDefinition(withId, project, () =>
      newReportId(String((body as { name?: unknown })?.name ?? '')),
    );
    if (!parsed.ok) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: `invalid report: ${parsed.problems.join('; ')}`,
        problems: parsed.problems,
      });
    }
    return parsed.report;
  }

  /**
   * Runs `f` on the project's report `id` and returns what it found; no such report (a bad id,
   * another project's, or `f` answering undefined or false) is a 404 saying where to look.
   */
  private async existing<T>(
    project: string,
    id: string,
    f: () => Promise<T | undefined | false>,
    hint = 'GET /v1/reports lists them',
  ): Promise<T> {
    const found = REPORT_ID.test(id) ? await this.temporal(f) : undefined;
    if (found === undefined || found === false) {
      throw new NotFoundException(`no report '${id}' in project ${project}: ${hint}`);
    }
    return found;
  }

  @Post()
  async create(@Body() body: unknown, @Req() req: AuthedRequest) {
    const report = this.parse(body, req.auth.project);
    await this.insightsExist(req.auth.project, report.insights);
    return this.temporal(() => this.schedules.create(report));
  }

  @Get()
  async list(@Req() req: AuthedRequest) {
    return { reports: await this.temporal(() => this.schedules.list(req.auth.project)) };
  }

  @Get(':id')
  async one(@Param('id') id: string, @Req() req: AuthedRequest) {
    return this.existing(req.auth.project, id, () => this.schedules.get(req.auth.project, id));
  }

  /** Recent runs with their outcome: the period sent and to whom, or why not. */
  @Get(':id/runs')
  async runs(@Param('id') id: string, @Req() req: AuthedRequest) {
    return {
      runs: await this.existing(req.auth.project, id, () => this.schedules.runs(req.auth.project, id)),
    };
  }

  /**
   * The email the report would send now, as HTML with its charts inline (data: URLs), without
   * sending it: to check a report before stakeholders see it.
   */
  @Get(':id/preview')
  @Header('content-type', 'text/html; charset=utf-8')
  async preview(@Param('id') id: string, @Req() req: AuthedRequest) {
    const state = await this.one(id, req);
    const figures = await computeFigures(this.metrics, state.report, new Date(), {
      quality: this.quality,
      insights: this.insights,
    });
    const email = renderReportEmail(figures, state.schedule);
    let html = String(email.html);
    for (const a of email.attachments ?? []) {
      if (a.cid)
        html = html.replace(
          `cid:${a.cid}`,
          `data:image/png;base64,${(a.content as Buffer).toString('base64')}`,
        );
    }
    return html;
  }

  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthedRequest) {
    const report = this.parse(body, req.auth.project, id);
    await this.insightsExist(req.auth.project, report.insights);
    return this.existing(
      req.auth.project,
      id,
      () => this.schedules.update(report),
      'POST /v1/reports creates one',
    );
  }

  @Post(':id/pause')
  @HttpCode(200)
  async pause(@Param('id') id: string, @Req() req: AuthedRequest) {
    await this.existing(req.auth.project, id, () => this.schedules.pause(req.auth.project, id));
    return this.one(id, req);
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id') id: string, @Req() req: AuthedRequest) {
    await this.existing(req.auth.project, id, () => this.schedules.resume(req.auth.project, id));
    return this.one(id, req);
  }

  /** Sends the report now, for the period before now: what the Temporal UI's Trigger does. */
  @Post(':id/run')
  @HttpCode(202)
  async run(@Param('id') id: string, @Req() req: AuthedRequest) {
    await this.existing(req.auth.project, id, () => this.schedules.trigger(req.auth.project, id));
    return { triggered: true, schedule: (await this.one(id, req)).schedule };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() req: AuthedRequest) {
    await this.existing(req.auth.project, id, () => this.schedules.remove(req.auth.project, id));
  }
}
