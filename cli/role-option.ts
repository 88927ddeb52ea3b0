import { SCOPES, type MintClaims, type Scope } from '../core/auth/jwt';
import { isRole, ROLES } from '../core/auth/roles';
import { UserFacingError } from '../core/errors';
import type { ParsedArgs } from './args';

/**
 * What a token or sign-in link may do, from `--role viewer|analyst|admin|owner` or the older
 * `--scope read|write|admin` (`fallback` when neither is given).
 */
export function roleOption(args: ParsedArgs, fallback: Scope): Pick<MintClaims, 'role' | 'scopes'> {
  const role = args.options.role;
  if (typeof role === 'string') {
    if (!isRole(role)) throw new UserFacingError(`unknown role '${role}'`, `roles are: ${ROLES.join(', ')}`);
    return { role };
  }
  const scope = typeof args.options.scope === 'string' ? args.options.scope : fallback;
  if (!(SCOPES as readonly string[]).includes(scope))
    throw new UserFacingError(
      `unknown scope '${scope}'`,
      `scopes are: ${SCOPES.join(', ')} (or --role ${ROLES.join('|')})`,
    );
  return { scopes: [scope as Scope] };
}
