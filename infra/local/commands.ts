import { spawnSync } from 'node:child_process';
import { UserFacingError } from '../../core/errors';

/** True when `cmd` can be executed (found on PATH and runs). */
export function hasCommand(cmd: string, versionArgs: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, versionArgs, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export function requireCommand(cmd: string, why: string, install: string, versionArgs?: string[]): void {
  if (!hasCommand(cmd, versionArgs)) {
    throw new UserFacingError(`${cmd} is not installed but is needed to ${why}`, install);
  }
}

/** Runs an install step, showing its output only when it fails. */
export function runStep(
  what: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): void {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n').slice(-15).join('\n');
    throw new UserFacingError(
      `${what} failed (${cmd} exited ${r.status ?? r.error?.message})`,
      `its last output:\n${out}`,
    );
  }
}
