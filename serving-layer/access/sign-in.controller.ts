import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuditLog } from '../../core/auth/audit-log';
import type { Config } from '../../core/config/config';
import type { Access } from '../auth/authenticate';
import type { AuditedRequest } from '../auth/audit.interceptor';
import type { RequestLimits } from '../auth/limits';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { ACCESS, AUDIT, CONFIG, LIMITS, MAILER } from '../injection-tokens';
import type { Mailer } from '../reports/report-mailer';
import { bodyOf, EmailLinkBody, ProjectBody } from './access-bodies';
import { mailLink } from './link-mail';
import { refusedChange } from './members.controller';

/**
 * How people get in: a sign-in link emailed to a member, an invitation's link, leaving a project,
 * and an instance admin creating a project (its owner is invited). Identity providers (OIDC) plug
 * in beside the emailed link: they end in the same `Sessions.startFor(project, user)`.
 */
@Controller()
export class SignInController {
  constructor(
    @Inject(ACCESS) private readonly access: Access,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(AUDIT) private readonly audit: AuditLog,
    @Inject(LIMITS) private readonly limits: RequestLimits,
  ) {}

  /**
   * Emails a one-time sign-in link to a member of the project. The answer is the same whether or
   * not the address is a member: it tells nobody who is.
   */
  @Post('v1/auth/email-link')
  @HttpCode(202)
  async emailLink(@Req() req: Request, @Body() body: unknown): Promise<{ message: string }> {
    this.limits.admitAnonymous(req.socket.remoteAddress ?? '');
    const { email, project } = bodyOf(EmailLinkBody, body);
    const user = await this.access.members.userByEmail(email);
    const role = user && (await this.access.members.roleOf(project, user.id));
    if (user && role) {
      const code = await this.access.sessions.createLoginCode({ project, role, user: user.id, member: true });
      await mailLink(this.mailer, this.config, email, {
        subject: `Sign in to ${project} on Analytics`,
        intro: `Open this link to sign in to project ${project}:`,
        path: `/login?code=${code}`,
        expires: 'expires in 15 minutes',
      });
    }
    return { message: `if ${email} is a member of ${project}, a sign-in link is on its way` };
  }

  /** Accepts an invitation: the address becomes a member and is signed in. */
  @Get('invite')
  async accept(@Query('code') code: unknown, @Res() res: Response): Promise<void> {
    const joined =
      typeof code === 'string' && code !== '' ? await this.access.members.accept(code) : undefined;
    if (!joined)
      throw new UnauthorizedException(
        'this invitation was already used or has expired: ask an admin of the project to invite you again',
      );
    const session = await this.access.sessions.startFor(joined.project, joined.userId);
    await this.audit.record({
      project: joined.project,
      actor: joined.email,
      action: 'member.joined',
      target: joined.userId,
      detail: { role: joined.role },
    });
    setSessionCookie(res, session);
    res.redirect(302, '/');
  }

  /** The caller leaves the project (the last owner cannot). */
  @Post('v1/me/leave')
  @HttpCode(204)
  async leave(@Req() req: AuditedRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    const { project, user, member } = req.auth;
    if (!member || user === undefined)
      throw new ConflictException(
        'only a member leaves a project; a token or CLI session has nothing to leave',
      );
    refusedChange(await this.access.members.remove(project, user), project);
    await this.access.sessions.endAllOf(project, user);
    clearSessionCookie(res);
  }

  /** An instance admin creates a project by inviting its owner. */
  @Post('v1/projects')
  @HttpCode(201)
  async createProject(
    @Req() req: AuditedRequest,
    @Body() body: unknown,
  ): Promise<{ id: string; owner: string }> {
    const { id, owner } = bodyOf(ProjectBody, body);
    if (await this.access.members.any(id))
      throw new ConflictException(`project ${id} exists already: its admins invite members`);
    const { code } = await this.access.members.invite(id, owner, 'owner', req.auth.user ?? 'instance admin');
    await mailLink(this.mailer, this.config, owner, {
      subject: `Your project ${id} on Analytics`,
      intro: `Project ${id} was created for you, as its owner. Open this link to sign in:`,
      path: `/invite?code=${code}`,
      expires: 'expires in 7 days',
    });
    req.auditDetail = { owner };
    return { id, owner };
  }
}
