import { localFiles } from '../core/files/local-files';
import { join } from 'node:path';
import { withWriteKeys } from '../core/auth/write-keys';
import type { Config } from '../core/config/config';

export const DEMO_PROJECT = 'demo';

/**
 * The demo project's write key for local use. Only its hash is in the metadata store; the plain key is
 * kept in the checkout's state folder so `./platform up` can print it again.
 */
export async function demoWriteKey(config: Config): Promise<string> {
  const file = join(config.stateDir, 'secrets', 'demo-write-key');
  const known = localFiles.readTextIfExists(file)?.trim();
  // A key printed before is kept working even when the metadata store was made anew.
  if (known !== undefined)
    return withWriteKeys(config, (keys) => keys.adopt(known, DEMO_PROJECT).then(() => known));
  const key = await withWriteKeys(config, (keys) => keys.create(DEMO_PROJECT));
  localFiles.ensureDir(join(config.stateDir, 'secrets'), 0o700);
  localFiles.writeAtomically(file, key, 0o600);
  return key;
}
