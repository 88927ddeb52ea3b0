import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { QualityController } from './quality.controller';

/** Data quality from the lake. */
@Module({ imports: [AuthModule], controllers: [QualityController] })
export class QualityModule {}
