import { localFiles } from '../core/lake/local-storage';
import { join } from 'node:path';
import { createWriteKey } from '../core/auth/write-keys';
import type { Config } from '../core/config';

export const DEMO_PROJECT = 'demo';

/**
 * The demo project's write key for local use. Only its hash is in the key store; the plain key is
 * kept in the checkout's state folder so `./platform up` can print it again.
 */
export function demoWriteKey(config: Config): string {
  const file = join(config.stateDir, 'secrets', 'demo-write-key');
  const known = localFiles.readTextIfExists(file);
  if (known !== undefined) return known.trim();
  const key = createWriteKey(config.auth.writeKeysFile, DEMO_PROJECT);
  localFiles.ensureDir(join(config.stateDir, 'secrets'), 0o700);
  localFiles.writeAtomically(file, key, 0o600);
  return key;
}
