import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import type { AuthedRequest } from '../auth/authenticate';
import { ActivityService } from './activity.service';

@Controller('v1')
export class ActivityController {
  constructor(@Inject(ActivityService) private readonly activity: ActivityService) {}

  @Get('events/:id')
  event(@Param('id') id: string, @Req() req: AuthedRequest) {
    return this.activity.event(req.auth.project, id);
  }

  /**
   * A user's data, for a subject-access request: every event of theirs (by user id, linked
   * anonymous ids and aliases) as newline-delimited JSON, oldest first. Admin scope: it is personal data.
   */
  @Get('users/:id/export')
  @Header('content-type', 'application/x-ndjson; charset=utf-8')
  async export(@Param('id') id: string, @Req() req: AuthedRequest): Promise<string> {
    const events = await this.activity.export(req.auth.project, id);
    return events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : '');
  }

  @Get('users/:id')
  user(@Param('id') id: string, @Req() req: AuthedRequest) {
    return this.activity.user(req.auth.project, id);
  }
}
