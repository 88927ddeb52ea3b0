import type { ExperimentDefinition } from '../../core/experiments/definition';
import type { MetadataStore } from '../../core/metadata/store';

export interface StoredExperiment {
  projectId: string;
  definition: ExperimentDefinition;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  project_id: string;
  definition: ExperimentDefinition;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toExperiment = (r: Row): StoredExperiment => ({
  projectId: r.project_id,
  definition: r.definition,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Experiment definitions in PostgreSQL; every statement is scoped to one project. */
export class ExperimentStore {
  constructor(private readonly db: MetadataStore) {}

  async list(project: string): Promise<StoredExperiment[]> {
    const r = await this.db.query<Row>('SELECT * FROM experiments WHERE project_id = $1 ORDER BY id', [
      project,
    ]);
    return r.rows.map(toExperiment);
  }

  async get(project: string, id: string): Promise<StoredExperiment | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM experiments WHERE project_id = $1 AND id = $2', [
      project,
      id,
    ]);
    return r.rows[0] && toExperiment(r.rows[0]);
  }

  /** Creates it; undefined when the project has an experiment of that id already. */
  async create(project: string, d: ExperimentDefinition): Promise<StoredExperiment | undefined> {
    const r = await this.db.query<Row>(
      `INSERT INTO experiments (project_id, id, definition) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, id) DO NOTHING RETURNING *`,
      [project, d.id, JSON.stringify(d)],
    );
    return r.rows[0] && toExperiment(r.rows[0]);
  }

  /** Replaces the definition; with `version`, only if unchanged since. */
  async replace(
    project: string,
    d: ExperimentDefinition,
    version?: number,
  ): Promise<StoredExperiment | 'missing' | 'stale'> {
    const r = await this.db.query<Row>(
      `UPDATE experiments SET definition = $3, version = version + 1, updated_at = now()
       WHERE project_id = $1 AND id = $2 AND ($4::int IS NULL OR version = $4) RETURNING *`,
      [project, d.id, JSON.stringify(d), version ?? null],
    );
    if (r.rows[0]) return toExperiment(r.rows[0]);
    return (await this.get(project, d.id)) ? 'stale' : 'missing';
  }

  async delete(project: string, id: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM experiments WHERE project_id = $1 AND id = $2', [project, id]);
    return (r.rowCount ?? 0) > 0;
  }
}
