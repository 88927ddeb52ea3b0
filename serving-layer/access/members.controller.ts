import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Req,
} from '@nestjs/common';
import type { Invitation, Member, MembershipChange } from '../../core/auth/members';
import { atLeast, type Role } from '../../core/auth/roles';
import type { Config } from '../../core/config/config';
import type { Access } from '../auth/authenticate';
import type { AuditedRequest } from '../auth/audit.interceptor';
import { ACCESS, CONFIG, MAILER } from '../injection-tokens';
import type { Mailer } from '../reports/report-mailer';
import { bodyOf, InvitationBody, RoleBody } from './access-bodies';
import { mailLink } from './link-mail';

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The answer to a refused change of the members, saying what would make it possible. */
export function refusedChange(outcome: MembershipChange, project: string): void {
  if (outcome === 'not-a-member') throw new NotFoundException(`no such member of project ${project}`);
  if (outcome === 'last-owner')
    throw new ConflictException(
      `this is the last owner of project ${project}: make another member an owner first (PUT /v1/members/<id> {"role":"owner"})`,
    );
}

/**
 * The members of the caller's project and their invitations (admins). Owners alone make, change
 * or remove owners; nobody grants a role above their own; the last owner stays.
 */
@Controller('v1/members')
export class MembersController {
  constructor(
    @Inject(ACCESS) private readonly access: Access,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Get()
  async list(@Req() req: AuditedRequest): Promise<{ members: Member[] }> {
    return { members: await this.access.members.list(req.auth.project) };
  }

  @Get('invitations')
  async invitations(@Req() req: AuditedRequest): Promise<{ invitations: Invitation[] }> {
    return { invitations: await this.access.members.invitations(req.auth.project) };
  }

  /** Emails a one-time link that makes the address a member with the role (7 days). */
  @Post('invitations')
  @HttpCode(201)
  async invite(
    @Req() req: AuditedRequest,
    @Body() body: unknown,
  ): Promise<{ email: string; role: Role; expiresAt: string }> {
    const { email, role } = bodyOf(InvitationBody, body);
    this.mayGrant(req, role);
    const { project } = req.auth;
    const by = req.auth.user ?? 'api token';
    const { code, expiresAt } = await this.access.members.invite(project, email, role, by);
    await mailLink(this.mailer, this.config, email, {
      subject: `You are invited to ${project} on Analytics`,
      intro: `You are invited to project ${project} as ${role === 'admin' || role === 'analyst' ? 'an' : 'a'} ${role}. Open this link to join and sign in:`,
      path: `/invite?code=${code}`,
      expires: 'expires in 7 days',
    });
    req.auditDetail = { email, role };
    return { email, role, expiresAt: expiresAt.toISOString() };
  }

  @Put(':id')
  async setRole(@Req() req: AuditedRequest, @Param('id') id: string, @Body() body: unknown): Promise<Member> {
    const { role } = bodyOf(RoleBody, body);
    const { project } = req.auth;
    const current = await this.member(project, id);
    this.mayGrant(req, role);
    if (current.role === 'owner') this.mayGrant(req, 'owner');
    refusedChange(await this.access.members.setRole(project, id, role), project);
    req.auditDetail = { from: current.role, to: role };
    return { ...current, role };
  }

  /** Removes a member: their sessions end, their tokens stop, their open live feed closes. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() req: AuditedRequest, @Param('id') id: string): Promise<void> {
    const { project } = req.auth;
    const current = await this.member(project, id);
    if (current.role === 'owner') this.mayGrant(req, 'owner');
    refusedChange(await this.access.members.remove(project, id), project);
    await this.access.sessions.endAllOf(project, id);
    req.auditDetail = { role: current.role };
  }

  private async member(project: string, id: string): Promise<Member> {
    if (!USER_ID.test(id)) throw new BadRequestException('a member id is a user id from GET /v1/members');
    const found = await this.access.members.one(project, id);
    if (!found) throw new NotFoundException(`no such member of project ${project}`);
    return found;
  }

  /** Nobody grants a role above their own, and only owners touch owners. */
  private mayGrant(req: AuditedRequest, role: Role): void {
    if (!atLeast(req.auth.role, role))
      throw new ForbiddenException(
        `giving the ${role} role needs it: you are ${req.auth.role === 'admin' ? 'an' : 'a'} ${req.auth.role} of project ${req.auth.project}`,
      );
  }
}
