import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import type { AuditEntry, AuditLog } from '../../core/auth/audit-log';
import type { AuditedRequest } from '../auth/audit.interceptor';
import { AUDIT } from '../injection-tokens';
import { parseParams } from '../query/params';

const AuditParams = z.object({
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time' }).optional(),
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)?$/, 'action is an action (member.invited) or its kind (member)')
    .optional(),
  actor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  changesOnly: z.enum(['true', 'false'], { message: 'changesOnly is true or false' }).optional(),
});

/** The audit log of the caller's project, newest first (admins). */
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(AUDIT) private readonly audit: AuditLog) {}

  @Get()
  async list(
    @Req() req: AuditedRequest,
    @Query() raw: Record<string, unknown>,
  ): Promise<{ entries: AuditEntry[] }> {
    const q = parseParams(AuditParams, raw);
    // Answers counted so far are written first, so the list includes them.
    await this.audit.flush();
    return {
      entries: await this.audit.query(req.auth.project, {
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        changesOnly: q.changesOnly === 'true',
        limit: q.limit,
      }),
    };
  }
}
