import { mintToken, tokenExpiry } from '../../core/auth/jwt';
import { roleOption } from '../role-option';
import { RevokedTokens } from '../../core/auth/revoked-tokens';
import { MetadataStore } from '../../core/metadata/store';
import { withWriteKeys } from '../../core/auth/write-keys';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { requireOption, type ParsedArgs } from '../args';

/**
 * `token --project P [--role viewer|analyst|admin|owner | --scope read|write|admin] [--ttl 30d]`:
 * a JWT for the query API (for scripts; members mint personal tokens with POST /v1/tokens);
 * `token --revoke TOKEN`: refuses it from now on (every serving process within 2 s).
 */
export async function tokenCommand(args: ParsedArgs): Promise<number> {
  if (typeof args.options.revoke === 'string') return revokeToken(args.options.revoke);
  const project = requireOption(args, 'project', './platform token --project demo');
  const may = roleOption(args, 'read');
  const ttl = typeof args.options.ttl === 'string' ? args.options.ttl : '30d';
  const config = loadConfig();
  console.log(await mintToken(config.auth.jwtSecret, { project, ...may }, ttl));
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

async function revokeToken(token: string): Promise<number> {
  const config = loadConfig();
  let found: Awaited<ReturnType<typeof tokenExpiry>>;
  try {
    found = await tokenExpiry(config.auth.jwtSecret, token);
  } catch {
    throw new UserFacingError(
      'not a token of this platform (its signature does not check against JWT_SECRET)',
      'pass the whole token, as ./platform token printed it',
    );
  }
  if (found.expiresAt.getTime() <= Date.now()) {
    console.log(`that token expired at ${found.expiresAt.toISOString()}: it is refused already`);
    return 0;
  }
  const db = await MetadataStore.open(config.metadata.url);
  try {
    const revoked = await new RevokedTokens(db).revoke(token, found.claims, found.expiresAt);
    console.log(
      revoked
        ? `revoked: the query API answers 401 to it from now on (project ${found.claims.project})`
        : 'that token was revoked already',
    );
  } finally {
    await db.close();
  }
  return 0;
}
