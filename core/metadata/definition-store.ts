import type { z } from 'zod';
import type { MetadataStore } from './store';

/** A definition as stored: the checked body, its project, and a version for conditional writes. */
export interface Stored<D> {
  projectId: string;
  definition: D;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface Row<D> {
  project_id: string;
  definition: D;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toStored = <D>(r: Row<D>): Stored<D> => ({
  projectId: r.project_id,
  definition: r.definition,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The tables of definitions keyed by (project_id, id): a fixed list, never a caller's text. */
export type DefinitionTable = 'experiments' | 'segments' | 'insights' | 'queries';

/**
 * Definitions of one kind (experiments, segments) in PostgreSQL, each a JSON body checked by the
 * API before it is stored; every statement is scoped to one project.
 */
export class DefinitionStore<D extends { id: string }> {
  constructor(
    private readonly db: MetadataStore,
    private readonly table: DefinitionTable,
  ) {}

  async list(project: string): Promise<Stored<D>[]> {
    const r = await this.db.query<Row<D>>(`SELECT * FROM ${this.table} WHERE project_id = $1 ORDER BY id`, [
      project,
    ]);
    return r.rows.map(toStored);
  }

  async get(project: string, id: string): Promise<Stored<D> | undefined> {
    const r = await this.db.query<Row<D>>(`SELECT * FROM ${this.table} WHERE project_id = $1 AND id = $2`, [
      project,
      id,
    ]);
    return r.rows[0] && toStored(r.rows[0]);
  }

  /** Creates it; undefined when the project has one of that id already. */
  async create(project: string, d: D): Promise<Stored<D> | undefined> {
    const r = await this.db.query<Row<D>>(
      `INSERT INTO ${this.table} (project_id, id, definition) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, id) DO NOTHING RETURNING *`,
      [project, d.id, JSON.stringify(d)],
    );
    return r.rows[0] && toStored(r.rows[0]);
  }

  /** Replaces the definition; with `version`, only if unchanged since. */
  async replace(project: string, d: D, version?: number): Promise<Stored<D> | 'missing' | 'stale'> {
    const r = await this.db.query<Row<D>>(
      `UPDATE ${this.table} SET definition = $3, version = version + 1, updated_at = now()
       WHERE project_id = $1 AND id = $2 AND ($4::int IS NULL OR version = $4) RETURNING *`,
      [project, d.id, JSON.stringify(d), version ?? null],
    );
    if (r.rows[0]) return toStored(r.rows[0]);
    return (await this.get(project, d.id)) ? 'stale' : 'missing';
  }

  async delete(project: string, id: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM ${this.table} WHERE project_id = $1 AND id = $2`, [
      project,
      id,
    ]);
    return (r.rowCount ?? 0) > 0;
  }
}

/** Problems of a definition's body, each naming its field, as one message (API and CLI). */
export function definitionProblems(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
