import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
} from '@nestjs/common';
import type { ApiToken, ApiTokens } from '../../core/auth/api-tokens';
import { atLeast, type Role } from '../../core/auth/roles';
import { hashKey, writeKeyId, type WriteKeys } from '../../core/auth/write-keys';
import type { AuditedRequest } from '../auth/audit.interceptor';
import { API_TOKENS, WRITE_KEYS } from '../injection-tokens';
import { bodyOf, TokenBody, WriteKeyBody } from './access-bodies';

const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = 86_400_000;

/**
 * Personal API tokens (any member, for themself; admins see and revoke all of the project's) and
 * the project's write keys (admins). Secrets are shown once, at creation.
 */
@Controller('v1')
export class TokensController {
  constructor(
    @Inject(API_TOKENS) private readonly tokens: ApiTokens,
    @Inject(WRITE_KEYS) private readonly writeKeys: WriteKeys,
  ) {}

  @Get('tokens')
  async list(@Req() req: AuditedRequest): Promise<{ tokens: ApiToken[] }> {
    const { project, role } = req.auth;
    if (atLeast(role, 'admin')) return { tokens: await this.tokens.list(project) };
    return { tokens: req.auth.member && req.auth.user ? await this.tokens.list(project, req.auth.user) : [] };
  }

  /** Mints a token for the caller: `{"name": "ci", "role": "viewer", "expiresInDays": 30}`. */
  @Post('tokens')
  @HttpCode(201)
  async mint(@Req() req: AuditedRequest, @Body() body: unknown): Promise<ApiToken & { token: string }> {
    const given = bodyOf(TokenBody, body);
    const { project, user, member } = req.auth;
    if (!member || user === undefined)
      throw new BadRequestException(
        'a personal token belongs to a member: sign in with an emailed link (or ./platform login --email) first; ./platform token mints tokens for scripts',
      );
    const role: Role = given.role ?? req.auth.role;
    if (!atLeast(req.auth.role, role))
      throw new ForbiddenException(`a token cannot do more than its member: you are ${req.auth.role}`);
    const { token, record } = await this.tokens.mint(project, user, {
      name: given.name,
      role,
      expiresAt: new Date(Date.now() + given.expiresInDays * DAY),
    });
    req.auditDetail = { name: given.name, role };
    return { ...record, token };
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  async revoke(@Req() req: AuditedRequest, @Param('id') id: string): Promise<void> {
    const { project } = req.auth;
    const found = TOKEN_ID.test(id) ? await this.tokens.one(project, id) : undefined;
    const mine = found !== undefined && req.auth.member === true && found.userId === req.auth.user;
    if (!found || (!mine && !atLeast(req.auth.role, 'admin')))
      throw new NotFoundException(
        `no token ${id.slice(0, 40)} of yours in project ${project} (GET /v1/tokens lists them)`,
      );
    if (!(await this.tokens.revoke(project, id)))
      throw new NotFoundException(`token ${id} was already revoked`);
  }

  @Get('write-keys')
  async writeKeysOf(
    @Req() req: AuditedRequest,
  ): Promise<{ writeKeys: Awaited<ReturnType<WriteKeys['listed']>> }> {
    return { writeKeys: await this.writeKeys.listed(req.auth.project) };
  }

  /** A new write key for the SDKs (`{"name": "website"}`); the key is in this answer only. */
  @Post('write-keys')
  @HttpCode(201)
  async createWriteKey(
    @Req() req: AuditedRequest,
    @Body() body: unknown,
  ): Promise<{ id: string; name: string; writeKey: string }> {
    const { name, allowedCidrs } = bodyOf(WriteKeyBody, body);
    const writeKey = await this.writeKeys.create(req.auth.project, name, allowedCidrs);
    const id = writeKeyId(hashKey(writeKey));
    req.auditDetail = { name, ...(allowedCidrs ? { allowedCidrs } : {}) };
    return { id, name, writeKey };
  }

  @Delete('write-keys/:id')
  @HttpCode(204)
  async revokeWriteKey(@Req() req: AuditedRequest, @Param('id') id: string): Promise<void> {
    if (!(await this.writeKeys.revokeById(req.auth.project, id)))
      throw new NotFoundException(
        `no active write key ${id.slice(0, 40)} in project ${req.auth.project} (GET /v1/write-keys lists them)`,
      );
  }
}
