import { BadRequestException, Controller, Get, Header, Inject, Param, Query, Req } from '@nestjs/common';
import { SEGMENT_ID, SegmentSchema, type SegmentDefinition } from '../../core/segments/definition';
import type { AuthedRequest } from '../auth/authenticate';
import { DefinitionController } from '../definitions/definition-controller';
import { DefinitionRoutes } from '../definitions/definition-routes';
import { MetricQuery } from '../query/metric-query';
import { parseGranularity } from '../query/granularity';
import { parseParams, SegmentSizeParams, SegmentMembersParams } from '../query/params';
import type { SegmentSize } from '../query/segment-query';
import { parseTimeRange } from '../query/time-range';
import { SEGMENTS } from '../injection-tokens';
import { membersCsv } from './members-csv';
import type { SegmentStore } from './segment-store';

/**
 * Segments of the token's project, in PostgreSQL: read with the read scope, defined and changed
 * with the admin scope; their size over time and their members from the users' events.
 */
@Controller('v1/segments')
export class SegmentsController extends DefinitionController<SegmentDefinition> {
  protected readonly routes: DefinitionRoutes<SegmentDefinition>;
  protected readonly plural = 'segments';

  constructor(
    @Inject(SEGMENTS) store: SegmentStore,
    @Inject(MetricQuery) private readonly metrics: MetricQuery,
  ) {
    super();
    this.routes = new DefinitionRoutes(store, {
      name: 'segment',
      route: '/v1/segments',
      id: SEGMENT_ID,
      schema: SegmentSchema,
    });
  }

  /** Members (and known users) at the end of each bucket of the range. */
  @Get(':id/size')
  async size(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
  ): Promise<SegmentSize> {
    const q = parseParams(SegmentSizeParams, raw);
    const range = parseTimeRange(q.from, q.to);
    const granularity = parseGranularity(q.granularity, range.from, range.to);
    const { definition } = await this.routes.one(req.auth.project, id);
    return this.metrics.layers.cachedAnswer(
      req.auth.project,
      ['segment-size', definition, range.from.getTime(), range.to.getTime(), granularity],
      () =>
        this.metrics.segments().size({ project: req.auth.project, segment: definition, range, granularity }),
    );
  }

  /** The users in the segment at `at` (default now), with their traits then: CSV, a header row first. */
  @Get(':id/members')
  @Header('content-type', 'text/csv; charset=utf-8')
  async members(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
  ): Promise<string> {
    const q = parseParams(SegmentMembersParams, raw);
    const at = q.at === undefined ? new Date() : new Date(Date.parse(q.at));
    if (at.getTime() > Date.now() + 60_000)
      throw new BadRequestException('at is in the future: members are known up to now');
    const { definition } = await this.routes.one(req.auth.project, id);
    return membersCsv(await this.metrics.segments().members(req.auth.project, definition, at));
  }
}
