import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../../core/config/config';
import { REPO_ROOT } from '../../infra/local/paths';
import { roleEnv } from './child-role';

/** `./platform <args>` as a user runs it, seeing `config`'s settings; its stdout (rejects with its stderr). */
export const platformCli = (config: Config, args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'cli/main.ts', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...roleEnv(config) }, encoding: 'utf8', timeout: 60_000 },
      (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout)),
    ),
  );
