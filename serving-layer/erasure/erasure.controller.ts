import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { ErasureRecord } from '../../core/erasure/erasure-store';
import { MetadataUnavailableError } from '../../core/metadata/store';
import { checkUserId, type ErasureRequests } from '../../workflows/erasure-requests';
import type { AuthedRequest } from '../auth/authenticate';
import { ERASURES } from '../injection-tokens';

/**
 * GDPR erasure: DELETE /v1/users/:id starts the `eraseUser` workflow (watch it in the Temporal UI)
 * and answers 202 with its audit entry; GET /v1/erasures/:id follows it. Admin scope.
 */
@Controller('v1')
export class ErasureController {
  constructor(@Inject(ERASURES) private readonly erasures: ErasureRequests) {}

  @Delete('users/:id')
  @HttpCode(202)
  async erase(@Param('id') user: string, @Req() req: AuthedRequest): Promise<ErasureRecord> {
    const bad = checkUserId(user);
    if (bad) throw new BadRequestException(bad);
    try {
      return await this.erasures.request(req.auth.project, user, req.auth.user ?? 'api token (admin)');
    } catch (e) {
      if (e instanceof MetadataUnavailableError) throw e;
      throw new ServiceUnavailableException(
        `the erasure could not be started (Temporal: ${(e as Error).message}); nothing was recorded, try again`,
      );
    }
  }

  @Get('erasures')
  list(@Req() req: AuthedRequest): Promise<ErasureRecord[]> {
    return this.erasures.store.list(req.auth.project);
  }

  @Get('erasures/:id')
  async one(@Param('id') id: string, @Req() req: AuthedRequest): Promise<ErasureRecord> {
    const rec = await this.erasures.store.get(req.auth.project, id);
    if (!rec) throw new NotFoundException(`no erasure ${id} in project ${req.auth.project}`);
    return rec;
  }
}
