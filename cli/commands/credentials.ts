import { mintToken, SCOPES, type Scope } from '../../core/auth/jwt';
import { withWriteKeys } from '../../core/auth/write-keys';
import { loadConfig } from '../../core/config';
import { UserFacingError } from '../../core/errors';
import { requireOption, type ParsedArgs } from '../args';

/** `token --project P [--scope read|admin] [--ttl 30d]`: a JWT for the query API. */
export async function tokenCommand(args: ParsedArgs): Promise<number> {
  const project = requireOption(args, 'project', './platform token --project demo');
  const scope = typeof args.options.scope === 'string' ? args.options.scope : 'read';
  if (!(SCOPES as readonly string[]).includes(scope)) {
    throw new UserFacingError(`unknown scope '${scope}'`, `scopes are: ${SCOPES.join(', ')}`);
  }
  const ttl = typeof args.options.ttl === 'string' ? args.options.ttl : '30d';
  const config = loadConfig();
  console.log(await mintToken(config.auth.jwtSecret, { project, scopes: [scope as Scope] }, ttl));
  return 0;
}

/** `key --project P`: a new write key for ingest (only its hash is stored); `key --revoke KEY` revokes one. */
export async function keyCommand(args: ParsedArgs): Promise<number> {
  const config = loadConfig();
  const revoke = args.options.revoke;
  if (typeof revoke === 'string') {
    if (!(await withWriteKeys(config, (keys) => keys.revoke(revoke)))) {
      throw new UserFacingError(
        'no such active write key',
        'check the key (./platform key --project P creates one)',
      );
    }
    console.log('revoked: ingest answers 401 to it from now on');
    return 0;
  }
  const project = requireOption(args, 'project', './platform key --project shop');
  let key: string;
  try {
    key = await withWriteKeys(config, (keys) => keys.create(project));
  } catch (e) {
    if (e instanceof Error && /project id/.test(e.message))
      throw new UserFacingError(e.message, 'choose another project id');
    throw e;
  }
  console.log(key);
  return 0;
}
