import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { emailOf } from '../../core/auth/members';
import { isNetwork } from '../../core/auth/networks';
import { ROLES } from '../../core/auth/roles';

const email = z
  .unknown()
  .transform(
    (v, ctx) =>
      emailOf(v) ?? (ctx.addIssue({ code: 'custom', message: 'email must be an email address' }), z.NEVER),
  );
const role = z.enum(ROLES, { message: `role must be one of ${ROLES.join(', ')}` });
const name = z
  .string({ message: 'name must be text' })
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters');

export const EmailLinkBody = z.object({
  email,
  project: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'project must be a project id'),
});
export const InvitationBody = z.object({ email, role });
export const RoleBody = z.object({ role });
export const TokenBody = z.object({
  name,
  role: role.optional(),
  expiresInDays: z
    .number()
    .int()
    .min(1, 'expiresInDays is at least 1')
    .max(365, 'expiresInDays is at most 365')
    .default(90),
});
export const WriteKeyBody = z.object({
  name,
  allowedCidrs: z
    .array(z.string().refine(isNetwork, 'allowedCidrs holds networks such as 203.0.113.0/24 or one address'))
    .max(100)
    .optional(),
});
export const ProjectBody = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'id must be lowercase letters, digits, - or _ (max 63)'),
  owner: email,
});

/** A JSON body checked against its schema; a 400 naming every problem otherwise. */
export function bodyOf<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success)
    throw new BadRequestException(
      parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; '),
    );
  return parsed.data;
}
