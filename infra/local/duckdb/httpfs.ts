import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DUCKDB_VERSION } from '../../../core/config';
import { UserFacingError } from '../../../core/errors';
import { hasCommand, runStep } from '../commands';
import { cacheDir } from '../paths';

/**
 * DuckDB's httpfs extension (object-store lakes), which DuckDB would download from its own site at
 * run time: here it comes from PyPI's `duckdb-extension-httpfs` wheel, which matches one DuckDB
 * release only (the engine is pinned to it). The platform's configuration finds it in the cache.
 */
export function httpfsExtensionFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `duckdb-httpfs-${DUCKDB_VERSION}`, 'httpfs.duckdb_extension');
}

export function ensureHttpfsExtension(log: (line: string) => void = () => {}): string {
  const file = httpfsExtensionFile();
  if (existsSync(file)) return file;
  const python = hasCommand('python3') ? 'python3' : hasCommand('python') ? 'python' : undefined;
  if (!python)
    throw new UserFacingError(
      "Python (pip) is not installed, so DuckDB's httpfs extension cannot be fetched",
      'install python3-pip (apt-get install python3-pip)',
    );
  const dir = join(cacheDir(), `duckdb-httpfs-${DUCKDB_VERSION}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`installing DuckDB's httpfs extension ${DUCKDB_VERSION} from PyPI into ${dir} (once)`);
  runStep('downloading duckdb-extension-httpfs from PyPI', python, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '-d',
    tmp,
    `duckdb-extension-httpfs==${DUCKDB_VERSION}`,
  ]);
  const wheel = readdirSync(tmp).find((f) => f.endsWith('.whl'));
  if (!wheel)
    throw new UserFacingError('pip downloaded no duckdb-extension-httpfs wheel', 'check access to PyPI');
  runStep('unpacking the httpfs wheel', python, [
    '-m',
    'zipfile',
    '-e',
    join(tmp, wheel),
    join(tmp, 'wheel'),
  ]);
  renameSync(
    join(
      tmp,
      'wheel',
      'duckdb_extension_httpfs',
      'extensions',
      `v${DUCKDB_VERSION}`,
      'httpfs.duckdb_extension',
    ),
    join(tmp, 'httpfs.duckdb_extension'),
  );
  rmSync(join(tmp, 'wheel'), { recursive: true, force: true });
  rmSync(join(tmp, wheel), { force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return file;
}
