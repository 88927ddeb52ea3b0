import type { MintClaims } from '../../core/auth/jwt';
import { emailOf, Members } from '../../core/auth/members';
import type { Role } from '../../core/auth/roles';
import { roleOption } from '../role-option';
import { Sessions } from '../../core/auth/sessions';
import type { Config } from '../../core/config/config';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { MetadataStore } from '../../core/metadata/store';
import { requireOption, type ParsedArgs } from '../args';

/** A sign-in link for the web app: a one-time code for these claims, at the serving role's address. */
export async function signInLink(config: Config, claims: MintClaims, base?: string): Promise<string> {
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
 * `login --project P [--role R | --scope read|write|admin] [--user NAME | --email E]`: prints a
 * one-time sign-in link (15 minutes). A person signing in arranges dashboards, so the default is
 * write (an analyst); read only looks. With --email the link signs in that member (made a member
 * with the role when they are not one yet: the CLI bootstraps a project's first owner).
 */
export async function loginCommand(args: ParsedArgs): Promise<number> {
  const project = requireOption(args, 'project', './platform login --project demo');
  const may = roleOption(args, 'write');
  if (typeof args.options.email === 'string') {
    const link = await memberSignInLink(loadConfig(), project, args.options.email, may.role);
    console.log(link);
    console.log('  open it in a browser within 15 minutes; it signs in once');
    return 0;
  }
  const user = typeof args.options.user === 'string' ? args.options.user : DEFAULT_USER;
  if (!USER.test(user))
    throw new UserFacingError(
      `user '${user}' is not a user name`,
      'use 1 to 100 letters, digits and . _ @ + - (an email address works)',
    );
  const link = await signInLink(loadConfig(), { project, ...may, user });
  console.log(link);
  console.log('  open it in a browser within 15 minutes; it signs in once');
  return 0;
}

/**
 * A sign-in link for a member of the project by email; one who is not a member yet becomes one
 * with `role` (owner when none is given: the first member of a project is its owner).
 */
export async function memberSignInLink(
  config: Config,
  project: string,
  address: string,
  role?: Role,
): Promise<string> {
  const email = emailOf(address);
  if (!email) throw new UserFacingError(`'${address}' is not an email address`);
  const store = await MetadataStore.open(config.metadata.url);
  try {
    const members = new Members(store);
    const user = await members.ensureUser(email);
    const current = await members.roleOf(project, user.id);
    if (current === undefined || (role !== undefined && role !== current))
      await members.add(project, user.id, role ?? 'owner');
    const code = await new Sessions(store).createLoginCode({
      project,
      role: (await members.roleOf(project, user.id)) ?? 'viewer',
      user: user.id,
      member: true,
    });
    return `${config.access.publicUrl}/login?code=${code}`;
  } finally {
    await store.close();
  }
}
