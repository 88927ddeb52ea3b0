import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Put,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { TokenClaims } from '../../core/auth/jwt';
import { actorOf } from './audit.interceptor';
import type { Access, AuthedRequest } from './authenticate';
import type { Sessions } from '../../core/auth/sessions';
import { isTimeZone, type UserSettings, type UserSettingsValues } from '../../core/auth/user-settings';
import type { AuditLog } from '../../core/auth/audit-log';
import { ACCESS, AUDIT, SESSIONS, USER_SETTINGS } from '../injection-tokens';
import { clearSessionCookie, sessionOf, setSessionCookie } from './session-cookie';

/** Sign-in links (printed by ./platform up and ./platform login) and sign-out. */
@Controller()
export class LoginController {
  constructor(
    @Inject(SESSIONS) private readonly sessions: Sessions,
    @Inject(USER_SETTINGS) private readonly settings: UserSettings,
    @Inject(ACCESS) private readonly access: Access,
    @Inject(AUDIT) private readonly audit: AuditLog,
  ) {}

  /** Trades the link's one-time code for a session cookie, then opens the app. */
  @Get('login')
  async login(@Query('code') code: unknown, @Res() res: Response): Promise<void> {
    const found = typeof code === 'string' && code !== '' ? await this.sessions.redeem(code) : undefined;
    if (!found)
      throw new UnauthorizedException(
        'this sign-in link was already used or has expired: run ./platform login --project <id> for a new one',
      );
    if (found.claims.member && found.claims.user !== undefined)
      await this.audit.record({
        project: found.claims.project,
        actor: await actorOf(found.claims, this.access.members),
        action: 'member.signed_in',
      });
    setSessionCookie(res, found.session);
    res.redirect(302, '/');
  }

  /**
   * Who the caller is: the project, role and scopes of its session or token, and for a member
   * their email (the app's header shows it and offers what the role allows).
   */
  @Get('v1/me')
  async me(@Req() req: AuthedRequest): Promise<TokenClaims & UserSettingsValues & { email?: string }> {
    const { project, user, scopes, role, member } = req.auth;
    const email = member && user ? await this.access.members.emailOf(user) : undefined;
    return {
      project,
      role,
      scopes,
      ...(user ? { user } : {}),
      ...(email ? { email } : {}),
      ...(user ? await this.settings.get(project, user) : { timeZone: 'UTC' }),
    };
  }

  /** The signed-in user's settings: `{"timeZone": "Europe/Paris"}` (IANA). Sessions only. */
  @Put('v1/me/settings')
  async saveSettings(
    @Req() req: AuthedRequest,
    @Body() body: unknown,
  ): Promise<TokenClaims & UserSettingsValues> {
    const { project, user } = req.auth;
    if (!user)
      throw new BadRequestException(
        'settings belong to a signed-in user, and this token names none: sign in with a link from ./platform login --project <id> --user <name>',
      );
    const timeZone = (body as { timeZone?: unknown } | null)?.timeZone;
    if (typeof timeZone !== 'string' || timeZone.length > 100 || !isTimeZone(timeZone))
      throw new BadRequestException('timeZone must be an IANA time zone, such as UTC or Europe/Paris');
    return { ...req.auth, ...(await this.settings.set(project, user, { timeZone })) };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const session = sessionOf(req);
    if (session !== undefined) await this.sessions.end(session);
    clearSessionCookie(res);
  }
}
