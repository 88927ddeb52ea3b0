import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../../core/errors';
import { hasCommand, runStep } from '../commands';
import { cacheDir } from '../paths';

/**
 * GrowthBook's stats engine (PyPI `gbstats`), in a virtual environment in the platform cache: the
 * reference our experiment statistics are tested against, number for number. Test-only.
 */
export const GBSTATS_VERSION = '0.8.0';

const dir = () => join(cacheDir(), `gbstats-${GBSTATS_VERSION}`);

/** The Python that has gbstats. */
export const gbstatsPython = () => join(dir(), 'venv', 'bin', 'python');

export function ensureGbstats(log: (line: string) => void = () => {}): string {
  if (existsSync(gbstatsPython()) && existsSync(join(dir(), 'ready'))) return gbstatsPython();
  if (!hasCommand('python3'))
    throw new UserFacingError(
      'Python 3 is not installed, so gbstats (the reference for experiment statistics) cannot be installed',
      'install python3 and python3-venv (apt-get install python3-venv)',
    );
  // Built in place (a virtual environment cannot move), installed once the `ready` mark is written.
  const target = dir();
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  log(
    `installing gbstats ${GBSTATS_VERSION} (GrowthBook's stats engine) from PyPI into ${target}: once, about a minute...`,
  );
  runStep('creating the gbstats Python environment', 'python3', ['-m', 'venv', join(target, 'venv')]);
  runStep('installing gbstats from PyPI', join(target, 'venv', 'bin', 'pip'), [
    'install',
    '--quiet',
    `gbstats==${GBSTATS_VERSION}`,
  ]);
  writeFileSync(join(target, 'ready'), `gbstats ${GBSTATS_VERSION}\n`);
  return gbstatsPython();
}
