import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DashboardsController } from './dashboards.controller';

/** Saved dashboards. */
@Module({ imports: [AuthModule], controllers: [DashboardsController] })
export class DashboardsModule {}
