import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { verifyToken, type TokenClaims } from '../../core/auth/jwt';
import type { Config } from '../../core/config';
import { CONFIG } from '../tokens';

export type AuthedRequest = Request & { auth: TokenClaims };

/** Every query route needs a bearer token; its project claim scopes every query it makes. */
@Injectable()
export class JwtGuard implements CanActivate {
  constructor(@Inject(CONFIG) private readonly config: Config) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) {
      throw new UnauthorizedException('missing bearer token: mint one with ./platform token --project <id>');
    }
    try {
      req.auth = await verifyToken(this.config.auth.jwtSecret, header.slice(7));
    } catch {
      throw new UnauthorizedException('invalid or expired token');
    }
    if (!req.auth.scopes.includes('read') && !req.auth.scopes.includes('admin')) {
      throw new UnauthorizedException('token lacks the read scope');
    }
    return true;
  }
}
