import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import type { AuthedRequest } from '../auth/authenticate';
import { parseParams, RangeParams } from '../query/params';
import { parseTimeRange } from '../query/time-range';
import { QUALITY } from '../injection-tokens';
import type { QualityAnswer, QualityQuery } from './quality-query';

/** Data quality of the token's project: volume anomalies, duplicates, late share, delay, quarantine. */
@Controller('v1/quality')
export class QualityController {
  constructor(@Inject(QUALITY) private readonly quality: QualityQuery) {}

  @Get()
  answer(@Query() raw: Record<string, unknown>, @Req() req: AuthedRequest): Promise<QualityAnswer> {
    const q = parseParams(RangeParams, raw);
    return this.quality.quality(req.auth.project, parseTimeRange(q.from, q.to));
  }
}
