import { SCOPES, type Scope, type TokenClaims } from '../../core/auth/jwt';
import { Sessions } from '../../core/auth/sessions';
import type { Config } from '../../core/config/config';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { MetadataStore } from '../../core/metadata/store';
import { requireOption, type ParsedArgs } from '../args';

/** A sign-in link for the web app: a one-time code for these claims, at the serving role's address. */
export async function signInLink(config: Config, claims: TokenClaims, base?: string): Promise<string> {
  const store = await MetadataStore.open(config.metadata.url);
  try {
    const code = await new Sessions(store).createLoginCode(claims);
    return `${base ?? `http://${config.api.host}:${config.api.port}`}/login?code=${code}`;
  } finally {
    await store.close();
  }
}

/** Who a sign-in link names when --user is not given: the one whose settings the app keeps. */
export const DEFAULT_USER = 'operator';
const USER = /^[A-Za-z0-9._@+-]{1,100}$/;

/**
 * `login --project P [--scope read|write|admin] [--user NAME]`: prints a one-time sign-in link
 * (15 minutes). A person signing in arranges dashboards, so the default is write; read only looks.
 */
export async function loginCommand(args: ParsedArgs): Promise<number> {
  const project = requireOption(args, 'project', './platform login --project demo');
  const scope = typeof args.options.scope === 'string' ? args.options.scope : 'write';
  if (!(SCOPES as readonly string[]).includes(scope))
    throw new UserFacingError(`unknown scope '${scope}'`, `scopes are: ${SCOPES.join(', ')}`);
  const user = typeof args.options.user === 'string' ? args.options.user : DEFAULT_USER;
  if (!USER.test(user))
    throw new UserFacingError(
      `user '${user}' is not a user name`,
      'use 1 to 100 letters, digits and . _ @ + - (an email address works)',
    );
  const link = await signInLink(loadConfig(), { project, scopes: [scope as Scope], user });
  console.log(link);
  console.log('  open it in a browser within 15 minutes; it signs in once');
  return 0;
}
