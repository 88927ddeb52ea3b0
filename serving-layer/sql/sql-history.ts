import type { MetadataStore } from '../../core/metadata/store';

/** One query an analyst ran, as their history lists it. */
export interface HistoryEntry {
  id: string;
  statement: string;
  from: string;
  to: string;
  startedAt: string;
  ms: number | null;
  rows: number | null;
  error: string | null;
}

/** Entries kept per person and project: the oldest go as new ones come. */
const KEPT = 500;

/**
 * Each person's SQL history per project (sql/postgres/012_sql.sql): written when a query starts
 * (so one that never ends is there too), finished with its time, rows or error.
 */
export class SqlHistory {
  constructor(private readonly db: MetadataStore) {}

  async started(e: {
    project: string;
    actor: string;
    statement: string;
    from: Date;
    to: Date;
  }): Promise<string> {
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO sql_history (project_id, actor, statement, range_from, range_to)
       VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
      [e.project, e.actor, e.statement, e.from, e.to],
    );
    await this.db.query(
      `DELETE FROM sql_history WHERE project_id = $1 AND actor = $2 AND id NOT IN (
         SELECT id FROM sql_history WHERE project_id = $1 AND actor = $2 ORDER BY started_at DESC, id DESC LIMIT $3)`,
      [e.project, e.actor, KEPT],
    );
    return r.rows[0]!.id;
  }

  async finished(id: string, outcome: { ms: number; rows?: number; error?: string }): Promise<void> {
    await this.db.query('UPDATE sql_history SET ms = $2, rows = $3, error = $4 WHERE id = $1', [
      id,
      Math.round(outcome.ms),
      outcome.rows ?? null,
      outcome.error ?? null,
    ]);
  }

  /** The person's latest entries in the project, newest first. */
  async of(project: string, actor: string, limit: number): Promise<HistoryEntry[]> {
    const r = await this.db.query<{
      id: string;
      statement: string;
      range_from: Date;
      range_to: Date;
      started_at: Date;
      ms: number | null;
      rows: string | null;
      error: string | null;
    }>(
      `SELECT id::text, statement, range_from, range_to, started_at, ms, rows, error FROM sql_history
       WHERE project_id = $1 AND actor = $2 ORDER BY started_at DESC, id DESC LIMIT $3`,
      [project, actor, limit],
    );
    return r.rows.map((row) => ({
      id: row.id,
      statement: row.statement,
      from: row.range_from.toISOString(),
      to: row.range_to.toISOString(),
      startedAt: row.started_at.toISOString(),
      ms: row.ms,
      rows: row.rows === null ? null : Number(row.rows),
      error: row.error,
    }));
  }
}
