import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ActivityController } from './activity.controller';
import { ActivityService } from './activity.service';

/** One event, one user's activity. */
@Module({ imports: [AuthModule], controllers: [ActivityController], providers: [ActivityService] })
export class ActivityModule {}
