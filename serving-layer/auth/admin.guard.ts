import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { AuthedRequest } from './jwt.guard';

/** After JwtGuard: routes that change what the platform does (reports) need the admin scope. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    if (!req.auth.scopes.includes('admin')) {
      throw new ForbiddenException(
        `this route needs a token with the admin scope: ./platform token --project ${req.auth.project} --scope admin`,
      );
    }
    return true;
  }
}
