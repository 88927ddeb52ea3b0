import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root (this file lives in infra/local/). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Where installers keep what they fetch (jars, binaries). Outside the repository so that a fresh
 * clone on the same machine reuses it; PLATFORM_CACHE_DIR overrides.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PLATFORM_CACHE_DIR ?? join(homedir(), '.cache', 'lambda-analytics-platform'));
}

/** Runtime state of this checkout: data directories, logs, pid files, local secrets. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PLATFORM_STATE_DIR ?? join(REPO_ROOT, '.local'));
}
