import { emailOf, Members } from '../../core/auth/members';
import { isRole, ROLES } from '../../core/auth/roles';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { MetadataStore } from '../../core/metadata/store';
import { requireOption, type ParsedArgs } from '../args';

/**
 * `member add --project P --email E --role R [--instance-admin]` and `member list --project P`:
 * bootstrapping people from the CLI (a project's first owner, the instance's administrator).
 * Afterwards admins manage members in the web app or the API.
 */
export async function memberCommand(args: ParsedArgs): Promise<number> {
  const action = args.positional[0];
  const project = requireOption(
    args,
    'project',
    './platform member add --project demo --email you@example.com --role owner',
  );
  const store = await MetadataStore.open(loadConfig().metadata.url);
  try {
    const members = new Members(store);
    if (action === 'list') {
      for (const m of await members.list(project))
        console.log(`${m.role.padEnd(8)} ${m.email}  (${m.userId})`);
      return 0;
    }
    if (action !== 'add')
      throw new UserFacingError(`unknown member action '${action ?? ''}'`, 'use: member add | member list');
    const email = emailOf(args.options.email);
    if (!email) throw new UserFacingError('--email must be an email address');
    const role = typeof args.options.role === 'string' ? args.options.role : 'viewer';
    if (!isRole(role)) throw new UserFacingError(`unknown role '${role}'`, `roles are: ${ROLES.join(', ')}`);
    const user = await members.ensureUser(email);
    await members.add(project, user.id, role);
    if (args.options['instance-admin'] === true) await members.setInstanceAdmin(user.id, true);
    console.log(
      `${email} is ${role === 'admin' || role === 'owner' || role === 'analyst' ? 'an' : 'a'} ${role} of ${project}`,
    );
    console.log(`  sign them in: ./platform login --project ${project} --email ${email}`);
    return 0;
  } finally {
    await store.close();
  }
}
