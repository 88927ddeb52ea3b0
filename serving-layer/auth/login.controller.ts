import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { TokenClaims } from '../../core/auth/jwt';
import { JwtGuard, type AuthedRequest } from './jwt.guard';
import type { Sessions } from '../../core/auth/sessions';
import { SESSIONS } from '../tokens';
import { clearSessionCookie, sessionOf, setSessionCookie } from './session-cookie';

/** Sign-in links (printed by ./platform up and ./platform login) and sign-out. */
@Controller()
export class LoginController {
  constructor(@Inject(SESSIONS) private readonly sessions: Sessions) {}

  /** Trades the link's one-time code for a session cookie, then opens the app. */
  @Get('login')
  async login(@Query('code') code: unknown, @Res() res: Response): Promise<void> {
    const found = typeof code === 'string' && code !== '' ? await this.sessions.redeem(code) : undefined;
    if (!found)
      throw new UnauthorizedException(
        'this sign-in link was already used or has expired: run ./platform login --project <id> for a new one',
      );
    setSessionCookie(res, found.session);
    res.redirect(302, '/');
  }

  /** Who the caller is: the project and scopes of its session or token (the app's header shows it). */
  @Get('v1/me')
  @UseGuards(JwtGuard)
  me(@Req() req: AuthedRequest): TokenClaims {
    return req.auth;
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const session = sessionOf(req);
    if (session !== undefined) await this.sessions.end(session);
    clearSessionCookie(res);
  }
}
