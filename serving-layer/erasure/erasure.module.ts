import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ErasureController } from './erasure.controller';

/** GDPR erasure requests and their audit trail. */
@Module({ imports: [AuthModule], controllers: [ErasureController] })
export class ErasureModule {}
