import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../../core/errors';
import { hasCommand, runStep } from '../commands';
import { cacheDir } from '../paths';

/**
 * fake-gcs-server, the local Google Cloud Storage stand-in (the JSON API the Node client speaks,
 * and the XML API DuckDB reads through), built once from the Go module proxy into the platform
 * cache. A development tool only.
 */
export const FAKE_GCS_VERSION = 'v1.56.1';

export function fakeGcsBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAKE_GCS_PATH ?? join(cacheDir(env), `fake-gcs-server-${FAKE_GCS_VERSION}`, 'fake-gcs-server');
}

export function ensureFakeGcsInstalled(log: (line: string) => void = () => {}): string {
  const bin = fakeGcsBinary();
  if (existsSync(bin)) return bin;
  if (!hasCommand('go', ['version']))
    throw new UserFacingError(
      'Go is not installed, so the local GCS server (fake-gcs-server) cannot be built',
      'install Go 1.24 or newer (apt-get install golang), or set FAKE_GCS_PATH to a fake-gcs-server binary',
    );
  const dir = join(cacheDir(), `fake-gcs-server-${FAKE_GCS_VERSION}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(
    `building fake-gcs-server (the local GCS) from the Go module proxy into ${dir}: once, about 2 minutes...`,
  );
  const started = Date.now();
  runStep(
    'building fake-gcs-server',
    'go',
    ['install', `github.com/fsouza/fake-gcs-server@${FAKE_GCS_VERSION}`],
    {
      env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
    },
  );
  log(`  fake-gcs-server built in ${Math.round((Date.now() - started) / 1000)} s`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}
