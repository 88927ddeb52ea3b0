import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DUCKDB_VERSION } from '../../../core/config/config';
import { UserFacingError } from '../../../core/errors';
import { ensureVenv, venvDir, type PythonTool } from '../venv';

/**
 * The BigQuery emulator (PyPI `bqemulator`: BigQuery's REST API over DuckDB and SQLGlot), in a
 * virtual environment in the platform cache. Offline it needs DuckDB 1.5.5 and the `spatial`
 * extension from PyPI, placed where DuckDB looks for it under the emulator's own HOME.
 */
export const BQEMULATOR_VERSION = '1.4.0';

const BQEMULATOR: PythonTool = {
  what: `the BigQuery emulator (bqemulator ${BQEMULATOR_VERSION})`,
  name: `bqemulator-${BQEMULATOR_VERSION}`,
  packages: [
    `bqemulator==${BQEMULATOR_VERSION}`,
    `duckdb==${DUCKDB_VERSION}`,
    'numpy',
    `duckdb-extension-spatial==${DUCKDB_VERSION}`,
  ],
  installTime: 'about 2 minutes',
};

export interface BqEmulatorInstall {
  bin: string;
  /** The HOME the emulator runs with (its DuckDB finds the spatial extension there). */
  home: string;
}

export function bqEmulatorInstall(env: NodeJS.ProcessEnv = process.env): BqEmulatorInstall {
  return {
    bin: join(venvDir(BQEMULATOR, env), 'venv', 'bin', 'bqemulator'),
    home: join(venvDir(BQEMULATOR, env), 'home'),
  };
}

export function ensureBqEmulatorInstalled(log: (line: string) => void = () => {}): BqEmulatorInstall {
  ensureVenv(BQEMULATOR, log, (target) => {
    // The emulator's DuckDB finds the spatial extension under its HOME, not in site-packages.
    const lib = join(target, 'venv', 'lib');
    const python = readdirSync(lib).find((d) => d.startsWith('python3'));
    if (!python)
      throw new UserFacingError(
        'the emulator environment has no python3 library folder',
        `remove ${target} and retry`,
      );
    const extensions = join(target, 'home', '.duckdb', 'extensions', `v${DUCKDB_VERSION}`, 'linux_amd64');
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
  });
  return bqEmulatorInstall();
}
