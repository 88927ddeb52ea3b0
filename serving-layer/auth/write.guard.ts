import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { AuthedRequest } from './jwt.guard';

/**
 * After JwtGuard: routes that change what others see (dashboards) need the write scope (or admin,
 * which includes it); a read token, or a viewer's session, only looks.
 */
@Injectable()
export class WriteGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    if (!req.auth.scopes.includes('write') && !req.auth.scopes.includes('admin')) {
      throw new ForbiddenException(
        `this change needs the write scope: ./platform login --project ${req.auth.project} --scope write (or a token with --scope write)`,
      );
    }
    return true;
  }
}
