import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { localFiles } from '../files/local-files';

const DIR = join(__dirname, '..', '..', 'sql', 'postgres');
/** Any number: every process migrating at once waits on this one lock. */
const LOCK = 72_310_114;

/** The migrations in sql/postgres/, in order: NNN_name.sql. */
export function migrationFiles(): { version: string; sql: string; checksum: string }[] {
  return localFiles
    .list(DIR)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const sql = localFiles.readText(join(DIR, f));
      return {
        version: f.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * Applies the migrations not yet applied, each in its own transaction with its record in
 * `schema_migrations`, under an advisory lock so processes starting together apply each once.
 * Idempotent: a second run applies nothing. A migration whose file changed after it was applied
 * is an error naming it (migrations are never edited, a new one is added).
 */
export async function migrate(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (
        await client.query<{ version: string; checksum: string }>(
          'SELECT version, checksum FROM schema_migrations',
        )
      ).rows.map((r) => [r.version, r.checksum]),
    );
    for (const m of migrationFiles()) {
      const was = done.get(m.version);
      if (was !== undefined) {
        if (was !== m.checksum)
          throw new Error(
            `migration ${m.version} was changed after it was applied: restore it and add a new migration instead`,
          );
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
          m.version,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK]).catch(() => {});
    client.release();
  }
  return applied;
}
