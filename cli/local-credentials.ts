import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = createWriteKey(config.auth.writeKeysFile, DEMO_PROJECT);
  mkdirSync(join(config.stateDir, 'secrets'), { recursive: true, mode: 0o700 });
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
