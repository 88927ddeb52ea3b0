import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  postgresServiceOptions,
  startPostgres,
  type PostgresServiceOptions,
} from '../../infra/local/postgres/service';
import { freePort } from './free-port';

/**
 * Starts a PostgreSQL server of a test's own (its own port and folder), for tests that stop or
 * kill it: the shared one serves every other test at the same time.
 */
export async function startOwnPostgres(name: string): Promise<PostgresServiceOptions> {
  const o = {
    ...postgresServiceOptions(),
    port: await freePort(),
    dir: mkdtempSync(join(tmpdir(), `pg-${name}-`)),
  };
  await startPostgres(o);
  return o;
}
