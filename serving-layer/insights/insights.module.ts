import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { InsightsController } from './insights.controller';

/** Metrics defined without code: definitions and answers. */
@Module({ imports: [AuthModule], controllers: [InsightsController] })
export class InsightsModule {}
