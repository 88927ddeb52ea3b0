import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Config } from '../../core/config/config';
import { ACCESS, AUDIT, CONFIG, SQL } from '../injection-tokens';
import type { Access, AuthedRequest } from '../auth/authenticate';
import { actorOf } from '../auth/audit.interceptor';
import type { AuditLog } from '../../core/auth/audit-log';
import { problemsOf } from '../dashboards/definition';
import { formatOf } from '../answers/answer-formats';
import { BadQueryError } from '../query/errors';
import { parseTimeRange, type TimeRange } from '../query/time-range';
import { sendSqlAnswer } from './sql-answer';
import { SqlRequestSchema } from './saved-query';
import type { ServingDeps } from '../serving-core.module';

const DAY = 86_400_000;

/** The range a statement's tables hold: from/to as given, else the last 30 days. */
export function sqlRange(from: unknown, to: unknown, now = Date.now()): TimeRange {
  const end = Math.ceil(now / 60_000) * 60_000 + 60_000;
  const endAt = to === undefined || to === '' ? new Date(end).toISOString() : to;
  const startAt =
    from === undefined || from === ''
      ? new Date((typeof endAt === 'string' ? Date.parse(endAt) : end) - 30 * DAY).toISOString()
      : from;
  return parseTimeRange(startAt, endAt, now);
}

/** Whose history an entry is: the signed-in person, or the token when no person minted it. */
const personOf = (auth: AuthedRequest['auth']) =>
  auth.user ?? (auth.jti !== undefined ? `token ${auth.jti}` : 'project token');

/**
 * Analysts' SQL: a statement over the project's merged tables (POST /v1/sql), each person's
 * history of them, and saved queries answered by id (what a dashboard tile shows). Answers are
 * JSON, or Arrow or Parquet by Accept, streamed.
 */
@Controller()
export class SqlController {
  constructor(
    @Inject(SQL) private readonly sql: ServingDeps['sql'],
    @Inject(CONFIG) private readonly config: Config,
    @Inject(AUDIT) private readonly audit: AuditLog,
    @Inject(ACCESS) private readonly access: Access,
  ) {}

  @Post('v1/sql')
  @HttpCode(200)
  async run(@Req() req: AuthedRequest, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const parsed = SqlRequestSchema.safeParse(body ?? {});
    if (!parsed.success) throw new BadQueryError(`invalid SQL request: ${problemsOf(parsed.error)}`);
    await this.answer(req, res, parsed.data.query, sqlRange(parsed.data.from, parsed.data.to));
  }

  @Get('v1/sql/history')
  async history(@Req() req: AuthedRequest, @Query('limit') limit?: string): Promise<unknown> {
    const n = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500)
      throw new BadQueryError('limit must be an integer from 1 to 500');
    return { history: await this.sql.history.of(req.auth.project, personOf(req.auth), n) };
  }

  /** A saved query answered over ?from&to (default: the last 30 days). */
  @Get('v1/queries/:id/answer')
  async saved(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const stored = await this.sql.saved.get(req.auth.project, id);
    if (!stored)
      throw new NotFoundException(`no saved query '${id}' in this project: GET /v1/queries lists them`);
    await this.answer(req, res, stored.definition.query, sqlRange(raw.from, raw.to), id);
  }

  /**
   * Runs a statement for the caller: its history entry and audit entry written first (the audit
   * names the entry, never the statement, which may name a person), then the answer.
   */
  private async answer(
    req: AuthedRequest,
    res: Response,
    statement: string,
    range: TimeRange,
    saved?: string,
  ): Promise<void> {
    const project = req.auth.project;
    const started = Date.now();
    const entry = await this.sql.history.started({
      project,
      actor: personOf(req.auth),
      statement,
      from: range.from,
      to: range.to,
    });
    await this.audit.record({
      project,
      actor: await actorOf(req.auth, this.access.members),
      action: 'sql.run',
      target: `sql-history:${entry}`,
      ...(saved ? { detail: { savedQuery: saved } } : {}),
    });
    let recorded = false;
    try {
      const { sandbox, parts } = await this.sql.query.open(project, range, statement);
      await sendSqlAnswer(
        res,
        formatOf(req.headers.accept),
        sandbox,
        statement,
        parts,
        this.config.access.maxAnswerBytes,
        async ({ rows }) => {
          recorded = true;
          await this.sql.history.finished(entry, { ms: Date.now() - started, rows });
        },
      );
    } catch (e) {
      // A failure after every row was read (the caller left mid-stream) keeps the rows it read.
      if (recorded) throw e;
      await this.sql.history.finished(entry, {
        ms: Date.now() - started,
        error: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
  }
}
