import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../core/errors';
import { hasCommand, runStep } from './commands';
import { cacheDir } from './paths';

/** A development server built from the Go module proxy, kept in the platform cache. */
export interface GoBinary {
  /** What it is, for messages ("MinIO (the local S3 server)"). */
  what: string;
  /** The module to `go install`, and its version (a pseudo-version for untagged ones). */
  module: string;
  version: string;
  /** The binary's name, which also names its cache folder. */
  name: string;
  /** The setting that points at a binary built elsewhere. */
  pathVar: string;
  /** How long the first build takes here, for the progress line. */
  buildTime: string;
}

export function goBinaryPath(b: GoBinary, env: NodeJS.ProcessEnv = process.env): string {
  return env[b.pathVar] ?? join(cacheDir(env), `${b.name}-${b.version}`, b.name);
}

/** Builds the binary once into the cache (a `.partial` folder renamed when done); returns its path. */
export function ensureGoBinary(b: GoBinary, log: (line: string) => void = () => {}): string {
  const bin = goBinaryPath(b);
  if (existsSync(bin)) return bin;
  if (!hasCommand('go', ['version']))
    throw new UserFacingError(
      `Go is not installed, so ${b.what} cannot be built`,
      `install Go 1.24 or newer (apt-get install golang), or set ${b.pathVar} to a ${b.name} binary`,
    );
  const dir = join(cacheDir(), `${b.name}-${b.version}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`building ${b.what} from the Go module proxy into ${dir}: once, ${b.buildTime}...`);
  const started = Date.now();
  runStep(`building ${b.name}`, 'go', ['install', `${b.module}@${b.version}`], {
    env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
  });
  log(`  ${b.name} built in ${Math.round((Date.now() - started) / 1000)} s`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}
