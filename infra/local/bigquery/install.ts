import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DUCKDB_VERSION } from '../../../core/config';
import { UserFacingError } from '../../../core/errors';
import { hasCommand, runStep } from '../commands';
import { cacheDir } from '../paths';

/**
 * The BigQuery emulator (PyPI `bqemulator`: BigQuery's REST API over DuckDB and SQLGlot), in a
 * virtual environment in the platform cache. Offline it needs DuckDB 1.5.5 and the `spatial`
 * extension from PyPI, placed where DuckDB looks for it under the emulator's own HOME.
 */
export const BQEMULATOR_VERSION = '1.4.0';

const dir = (env: NodeJS.ProcessEnv = process.env) => join(cacheDir(env), `bqemulator-${BQEMULATOR_VERSION}`);

export interface BqEmulatorInstall {
  bin: string;
  /** The HOME the emulator runs with (its DuckDB finds the spatial extension there). */
  home: string;
}

export function bqEmulatorInstall(env: NodeJS.ProcessEnv = process.env): BqEmulatorInstall {
  return { bin: join(dir(env), 'venv', 'bin', 'bqemulator'), home: join(dir(env), 'home') };
}

export function ensureBqEmulatorInstalled(log: (line: string) => void = () => {}): BqEmulatorInstall {
  const installed = bqEmulatorInstall();
  if (existsSync(installed.bin) && existsSync(join(dir(), 'ready'))) return installed;
  if (!hasCommand('python3'))
    throw new UserFacingError(
      'Python 3 is not installed, so the BigQuery emulator cannot be installed',
      'install python3 and python3-venv (apt-get install python3-venv)',
    );
  // A virtual environment cannot be moved once made: it is built in place, and counts as
  // installed only once the `ready` mark is written at the end.
  const target = dir();
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  log(
    `installing the BigQuery emulator (bqemulator ${BQEMULATOR_VERSION}) from PyPI into ${target}: once, about 2 minutes...`,
  );
  runStep("creating the emulator's Python environment", 'python3', ['-m', 'venv', join(target, 'venv')]);
  runStep('installing bqemulator from PyPI', join(target, 'venv', 'bin', 'pip'), [
    'install',
    '--quiet',
    `bqemulator==${BQEMULATOR_VERSION}`,
    `duckdb==${DUCKDB_VERSION}`,
    'numpy',
    `duckdb-extension-spatial==${DUCKDB_VERSION}`,
  ]);
  const lib = join(target, 'venv', 'lib');
  const python = readdirSync(lib).find((d) => d.startsWith('python3'));
  if (!python)
    throw new UserFacingError(
      'the emulator environment has no python3 library folder',
      `remove ${target} and retry`,
    );
  const extensions = join(installed.home, '.duckdb', 'extensions', `v${DUCKDB_VERSION}`, 'linux_amd64');
  mkdirSync(extensions, { recursive: true });
  copyFileSync(
    join(
      lib,
      python,
      'site-packages',
      'duckdb_extension_spatial',
      'extensions',
      `v${DUCKDB_VERSION}`,
      'spatial.duckdb_extension',
    ),
    join(extensions, 'spatial.duckdb_extension'),
  );
  writeFileSync(join(target, 'ready'), `bqemulator ${BQEMULATOR_VERSION}\n`);
  return installed;
}
