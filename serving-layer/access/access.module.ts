import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { MembersController } from './members.controller';
import { SignInController } from './sign-in.controller';
import { TokensController } from './tokens.controller';

/** People and keys: members, invitations, emailed sign-in, personal tokens, write keys, the audit log. */
@Module({ controllers: [MembersController, TokensController, AuditController, SignInController] })
export class AccessModule {}
