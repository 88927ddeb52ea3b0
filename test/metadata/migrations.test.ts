import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationFiles } from '../../core/metadata/migrations';
import { postgresServiceOptions, postgresUrl } from '../../infra/local/postgres/service';
import { requireServices } from '../helpers/test-config';

/** Migrations against the real PostgreSQL, in a database of this test's own. */
describe('metadata migrations', () => {
  const database = `migrations_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: postgresUrl(postgresServiceOptions(), 'postgres') });
  admin.on('error', () => {});
  const pools: pg.Pool[] = [];
  const pool = () => {
    const p = new pg.Pool({ connectionString: postgresUrl(postgresServiceOptions(), database), max: 2 });
    // Dropping the database at the end ends any connection still open: an event, not a failure.
    p.on('error', () => {});
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    await requireServices();
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    for (const p of pools) await p.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('applies every migration once, even when processes start together, and nothing the second time', async () => {
    const files = migrationFiles().map((m) => m.version);
    expect(files.length).toBeGreaterThan(0);
    const runs = await Promise.all([migrate(pool()), migrate(pool()), migrate(pool())]);
    // Exactly one of the three applied them; the others found them applied.
    expect(runs.map((r) => r.length).sort()).toEqual([0, 0, files.length]);
    expect(await migrate(pool())).toEqual([]);
    const p = pool();
    const applied = await p.query<{ version: string }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(applied.rows.map((r) => r.version)).toEqual(files);
    // The schema is there.
    const tables = await p.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.t)).toContain('dashboards');
  });

  it('refuses to start on a migration edited after it was applied', async () => {
    const p = pool();
    const first = migrationFiles()[0]?.version as string;
    await p.query('UPDATE schema_migrations SET checksum = $1 WHERE version = $2', ['edited', first]);
    await expect(migrate(p)).rejects.toThrow(`migration ${first} was changed after it was applied`);
  });
});
