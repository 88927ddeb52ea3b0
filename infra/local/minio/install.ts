import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../../core/errors';
import { hasCommand, runStep } from '../commands';
import { cacheDir } from '../paths';

/**
 * MinIO, the local S3 stand-in: a real S3 server (SigV4 credentials checked, data on disk). It
 * is built from the Go module proxy (its releases are not published there as tags, so a commit's
 * pseudo-version), once, into the platform cache. It is a development tool only, never shipped
 * with the platform.
 */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

export function minioBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.MINIO_PATH ?? join(cacheDir(env), `minio-${MINIO_VERSION}`, 'minio');
}

export function ensureMinioInstalled(log: (line: string) => void = () => {}): string {
  const bin = minioBinary();
  if (existsSync(bin)) return bin;
  if (!hasCommand('go', ['version']))
    throw new UserFacingError(
      'Go is not installed, so the local S3 server (MinIO) cannot be built',
      'install Go 1.24 or newer (apt-get install golang), or set MINIO_PATH to a minio binary',
    );
  const dir = join(cacheDir(), `minio-${MINIO_VERSION}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(
    `building MinIO (the local S3 server) from the Go module proxy into ${dir}: once, about 5 to 11 minutes...`,
  );
  const started = Date.now();
  runStep('building MinIO', 'go', ['install', `github.com/minio/minio@${MINIO_VERSION}`], {
    env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
  });
  log(`  MinIO built in ${Math.round((Date.now() - started) / 1000)} s`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}
