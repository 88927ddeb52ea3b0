import { Controller, Get, Inject, Param, Req, UseGuards } from '@nestjs/common';
import { JwtGuard, type AuthedRequest } from '../auth/jwt.guard';
import { ActivityService } from './activity.service';

@Controller('v1')
@UseGuards(JwtGuard)
export class ActivityController {
  constructor(@Inject(ActivityService) private readonly activity: ActivityService) {}

  @Get('events/:id')
  event(@Param('id') id: string, @Req() req: AuthedRequest) {
    return this.activity.event(req.auth.project, id);
  }

  @Get('users/:id')
  user(@Param('id') id: string, @Req() req: AuthedRequest) {
    return this.activity.user(req.auth.project, id);
  }
}
