import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../../core/errors';
import { runStep } from '../commands';

const ROOT = '/usr/lib/postgresql';

/** The newest PostgreSQL server's bin folder Debian installed (POSTGRES_BIN_DIR overrides). */
function binDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.POSTGRES_BIN_DIR) return env.POSTGRES_BIN_DIR;
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT)
    .filter((v) => existsSync(join(ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(ROOT, versions[0], 'bin');
}

/**
 * PostgreSQL's server binaries (initdb, postgres) from Debian's `postgresql` package, installed
 * with apt-get when missing (once per machine, like Chromium for the browser tests).
 */
export function ensurePostgres(say: (line: string) => void = () => {}): string {
  const found = binDir();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new UserFacingError(
      'PostgreSQL is not installed and holds the platform metadata (dashboards, keys)',
      'run: sudo apt-get update && sudo apt-get install -y postgresql (or set POSTGRES_BIN_DIR, or DATABASE_URL for a server of yours)',
    );
  say("installing PostgreSQL from Debian's packages for the metadata store (once; a minute or two)...");
  runStep('apt-get update', 'apt-get', ['update']);
  runStep('installing postgresql', 'apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const bin = binDir();
  if (!bin)
    throw new UserFacingError('apt-get installed postgresql but no initdb was found', `look in ${ROOT}`);
  say(`  postgresql installed (${bin})`);
  return bin;
}
