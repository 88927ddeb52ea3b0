import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { AuditInterceptor } from './audit.interceptor';
import { LoginController } from './login.controller';

/**
 * Who the caller is and what they may do, on every route: the access guard (the authorization
 * matrix, rates, turns on the engines) and the audit interceptor, both global. Sign-in links.
 */
@Module({
  controllers: [LoginController],
  providers: [
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
})
export class AuthModule {}
