import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  type HttpException,
  Inject,
  Injectable,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Networks } from '../../core/auth/networks';
import { atLeast } from '../../core/auth/roles';
import type { Config } from '../../core/config/config';
import { ACCESS, CONFIG, LIMITS } from '../injection-tokens';
import { ACCESS_MATRIX, routeKey, type RouteAccess } from './access-matrix';
import { authenticate, roleRefused, type Access, type AuthedRequest } from './authenticate';
import type { Admitted } from './early-limit';
import type { RequestLimits } from './limits';
import { sessionOf } from './session-cookie';

/** A request as the guard leaves it: its matrix entry, and its turn on the engines while it runs. */
export type GuardedRequest = AuthedRequest & { access: RouteAccess; actorKey: string };

/**
 * Every request, before its handler: the route's entry in the authorization matrix, the caller's
 * credentials and project, their rate, the role the route needs, the admin networks, and a turn
 * for queries on the engines. One guard for every route (registered globally), so a controller
 * cannot forget a check.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly adminNetworks?: Networks;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(ACCESS) private readonly access: Access,
    @Inject(LIMITS) private readonly limits: RequestLimits,
  ) {
    const cidrs = config.access.adminAllowedCidrs;
    if (cidrs.length > 0) this.adminNetworks = new Networks(cidrs);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<GuardedRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const key = routeKey(req.method, (req.route as { path?: string } | undefined)?.path ?? req.path);
    const rule = ACCESS_MATRIX[key];
    if (!rule)
      throw new ForbiddenException(`${key} is not in the authorization matrix, so nobody may call it`);
    req.access = rule;
    if (rule.need === 'public') return true;
    const auth = await authenticate(req, this.config, this.access);
    req.auth = auth;
    req.actorKey = auth.jti !== undefined ? `token:${auth.jti}` : `session:${sessionOf(req) ?? ''}`;
    try {
      if (!(req as Admitted).admitted) this.limits.admit(req.actorKey, auth.project);
    } catch (e) {
      const retry = ((e as HttpException).getResponse() as { retryAfter?: number }).retryAfter;
      if (retry !== undefined) res.setHeader('Retry-After', String(retry));
      throw e;
    }
    if (rule.need === 'instance-admin') {
      if (!auth.member || auth.user === undefined || !(await this.access.members.isInstanceAdmin(auth.user)))
        throw new ForbiddenException(
          'only an administrator of this instance may do this: ./platform member add --instance-admin names one',
        );
    } else if (!atLeast(auth.role, rule.need)) throw roleRefused(auth, rule.need);
    if (this.adminNetworks && rule.need !== 'viewer' && rule.need !== 'analyst') this.fromAdminNetwork(req);
    if (rule.heavy) {
      // Listened for before waiting: a client that leaves while it waits (a page navigated away)
      // must still give its turn back, or the project's turns leak one by one.
      // The client may have left already, before this guard ran (under load, while it was being
      // authenticated): its 'close' is past, so it is asked of the socket too.
      const turn: { release?: () => void; gone: boolean } = { gone: req.socket.destroyed };
      if (turn.gone) return false;
      res.once('close', () => {
        turn.gone = true;
        turn.release?.();
      });
      turn.release = await this.limits.heavy(req.actorKey, auth.project);
      if (turn.gone || req.socket.destroyed) {
        turn.release();
        return false;
      }
    }
    return true;
  }

  private fromAdminNetwork(req: Request): void {
    const address = req.socket.remoteAddress ?? '';
    if (!this.adminNetworks?.has(address))
      throw new ForbiddenException(
        `admin routes are not allowed from ${address}: ADMIN_ALLOWED_CIDRS lists the networks they are`,
      );
  }
}
