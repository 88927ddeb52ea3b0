import { Module } from '@nestjs/common';
import { AdminGuard } from './admin.guard';
import { JwtGuard } from './jwt.guard';
import { LoginController } from './login.controller';
import { WriteGuard } from './write.guard';

/** Who the caller is (bearer token or session) and what they may do; sign-in links and sessions. */
@Module({
  controllers: [LoginController],
  providers: [JwtGuard, AdminGuard, WriteGuard],
  exports: [JwtGuard, AdminGuard, WriteGuard],
})
export class AuthModule {}
