import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DUCKDB_VERSION } from '../../../core/config/config';
import { unpackWheel } from '../pypi';
import { cacheDir } from '../paths';

/**
 * DuckDB's httpfs extension (object-store lakes), which DuckDB would download from its own site at
 * run time: here it comes from PyPI's `duckdb-extension-httpfs` wheel, which matches one DuckDB
 * release only (the engine is pinned to it). The platform's configuration finds it in the cache.
 */
export function httpfsExtensionFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `duckdb-httpfs-${DUCKDB_VERSION}`, 'httpfs.duckdb_extension');
}

export function ensureHttpfsExtension(log: (line: string) => void = () => {}): string {
  const file = httpfsExtensionFile();
  if (existsSync(file)) return file;
  const dir = join(cacheDir(), `duckdb-httpfs-${DUCKDB_VERSION}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`installing DuckDB's httpfs extension ${DUCKDB_VERSION} from PyPI into ${dir} (once)`);
  const wheel = unpackWheel('duckdb-extension-httpfs', DUCKDB_VERSION, tmp);
  renameSync(
    join(wheel, 'duckdb_extension_httpfs', 'extensions', `v${DUCKDB_VERSION}`, 'httpfs.duckdb_extension'),
    join(tmp, 'httpfs.duckdb_extension'),
  );
  rmSync(join(tmp, 'wheel'), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return file;
}
