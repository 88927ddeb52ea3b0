import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey, WriteKeys, WriteKeyStore } from '../../core/auth/write-keys';
import { MetadataStore } from '../../core/metadata/store';
import {
  postgresUrl,
  startPostgres,
  stopPostgres,
  type PostgresServiceOptions,
} from '../../infra/local/postgres/service';
import { startOwnPostgres } from '../helpers/own-postgres';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * Ingest's write keys in PostgreSQL: a server of this test's own (it is stopped below), so
 * several collectors share keys without a shared file.
 */
describe('write keys in the metadata store', () => {
  let pgo: PostgresServiceOptions;
  let db: MetadataStore;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    await requireServices();
    pgo = await startOwnPostgres('keys');
    db = await MetadataStore.open(postgresUrl(pgo));
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    if (pgo) await stopPostgres(pgo);
  });

  it('resolve to their project, are stored hashed, reach a running collector, and stop working once revoked', async () => {
    const store = await WriteKeyStore.open(db, 50);
    // Made by another process (the CLI) after the collector started.
    const other = await MetadataStore.open(postgresUrl(pgo));
    const key = await new WriteKeys(other).create(`shop-${run}`);
    await waitFor(
      async () => store.resolve(key),
      (p) => p === `shop-${run}`,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(store.resolve(`${key}x`)).toBeUndefined();
    const rows = await db.query<{ sha256: string }>('SELECT sha256 FROM write_keys WHERE project_id = $1', [
      `shop-${run}`,
    ]);
    expect(rows.rows).toEqual([{ sha256: hashKey(key) }]);
    expect(JSON.stringify(rows.rows)).not.toContain(key);
    expect(await new WriteKeys(other).revoke(key)).toBe(true);
    expect(await new WriteKeys(other).revoke(key)).toBe(false);
    await waitFor(
      async () => store.resolve(key),
      (p) => p === undefined,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    await other.close();
    store.close();
  });

  it('refuses project ids that are not plain names, and stores nothing', async () => {
    const before = (await db.query('SELECT 1 FROM write_keys')).rowCount;
    await expect(new WriteKeys(db).create('../etc')).rejects.toThrow(/lowercase/);
    expect((await db.query('SELECT 1 FROM write_keys')).rowCount).toBe(before);
  });

  it('a collector keeps its keys while PostgreSQL is down, and sees new ones once it is back', async () => {
    const key = await new WriteKeys(db).create(`down-${run}`);
    const store = await WriteKeyStore.open(db, 50);
    expect(store.resolve(key)).toBe(`down-${run}`);
    await stopPostgres(pgo);
    await waitFor(
      () =>
        store.reload().then(
          () => 'read',
          () => 'failed',
        ),
      (r) => r === 'failed',
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(store.resolve(key)).toBe(`down-${run}`);
    await startPostgres(pgo);
    const later = await waitFor(
      async () => new WriteKeys(db).create(`down-${run}`).catch(() => undefined),
      (k) => k !== undefined,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await waitFor(
      async () => store.resolve(later as string),
      (p) => p === `down-${run}`,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    store.close();
  }, 60_000);
});
