import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { mergeMap, type Observable } from 'rxjs';
import type { AuditLog } from '../../core/auth/audit-log';
import type { TokenClaims } from '../../core/auth/jwt';
import type { Members } from '../../core/auth/members';
import { AUDIT, ACCESS } from '../injection-tokens';
import type { Access } from './authenticate';
import type { GuardedRequest } from './access.guard';

/** What a handler may add to its audit entry (a role given, a name), never a data subject. */
export type AuditedRequest = GuardedRequest & { auditDetail?: Record<string, unknown> };

/** How the audit log names a caller: a member's email, the token they minted, or a CLI name. */
export async function actorOf(auth: TokenClaims, members: Members): Promise<string> {
  const who =
    auth.member && auth.user !== undefined ? ((await members.emailOf(auth.user)) ?? auth.user) : auth.user;
  const token = auth.jti !== undefined ? `token ${auth.jti}` : undefined;
  if (who !== undefined) return token ? `${who} (${token})` : who;
  return token ?? 'session';
}

/**
 * After a handler succeeds: routes the matrix audits get an entry before their answer is sent;
 * other reads are counted per actor and route (AuditLog.countAnswer).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(AUDIT) private readonly audit: AuditLog,
    @Inject(ACCESS) private readonly access: Access,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<AuditedRequest>();
    return next.handle().pipe(
      mergeMap(async (value: unknown) => {
        const rule = req.access;
        if (!rule || rule.need === 'public' || !req.auth) return value;
        const route = `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? req.path}`;
        const actor = await actorOf(req.auth, this.access.members);
        if (rule.audit) {
          // What a POST made is named by its answer: its id, or its definition's.
          const made = value as { id?: unknown; definition?: { id?: unknown } } | null;
          const created = req.method === 'POST' ? (made?.id ?? made?.definition?.id) : undefined;
          const target =
            rule.audit.target === 'id'
              ? String(req.params.id)
              : typeof created === 'string'
                ? created
                : undefined;
          await this.audit.record({
            project: req.auth.project,
            actor,
            action: rule.audit.action,
            ...(target !== undefined ? { target } : {}),
            ...(req.auditDetail ? { detail: req.auditDetail } : {}),
          });
        } else this.audit.countAnswer(req.auth.project, actor, route);
        return value;
      }),
    );
  }
}
