import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ReportsController } from './reports.controller';

/** Scheduled reports' routes (their schedules are in Temporal; their worker runs beside the app). */
@Module({ imports: [AuthModule], controllers: [ReportsController] })
export class ReportsModule {}
