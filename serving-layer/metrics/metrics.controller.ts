import { Controller, Get, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import { JwtGuard, type AuthedRequest } from '../auth/jwt.guard';
import { METRICS, MetricsService } from './metrics.service';
import { parseTimeRange } from './time-range';

@Controller('v1/metrics')
@UseGuards(JwtGuard)
export class MetricsController {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  @Get()
  catalog() {
    return { metrics: METRICS.map((name) => ({ name })) };
  }

  @Get(':name')
  async one(
    @Param('name') name: string,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Req() req: AuthedRequest,
  ) {
    return this.metrics.query(name, req.auth.project, parseTimeRange(from, to));
  }
}
