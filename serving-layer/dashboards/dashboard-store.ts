import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../../core/metadata/store';
import type { Dashboard, Tile } from './definition';

interface Row {
  id: string;
  project_id: string;
  name: string;
  tiles: (Tile & { id: string })[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toDashboard = (r: Row): Dashboard => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  tiles: r.tiles,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Every tile gets an id once, kept across edits (reports and links name a tile by it). */
const withIds = (tiles: Tile[]) => tiles.map((t) => ({ ...t, id: t.id ?? randomUUID() }));

/** Saved dashboards in PostgreSQL; every statement is scoped to one project. */
export class DashboardStore {
  constructor(private readonly db: MetadataStore) {}

  async list(project: string): Promise<Dashboard[]> {
    const r = await this.db.query<Row>(
      'SELECT * FROM dashboards WHERE project_id = $1 ORDER BY created_at, id',
      [project],
    );
    return r.rows.map(toDashboard);
  }

  async get(project: string, id: string): Promise<Dashboard | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM dashboards WHERE project_id = $1 AND id = $2', [
      project,
      id,
    ]);
    return r.rows[0] && toDashboard(r.rows[0]);
  }

  async create(project: string, d: { name: string; tiles: Tile[] }): Promise<Dashboard> {
    const r = await this.db.query<Row>(
      'INSERT INTO dashboards (id, project_id, name, tiles) VALUES ($1, $2, $3, $4) RETURNING *',
      [randomUUID(), project, d.name, JSON.stringify(withIds(d.tiles))],
    );
    return toDashboard(r.rows[0] as Row);
  }

  /**
   * Renames and/or replaces the tiles; with `version`, only if the dashboard is still at it.
   * 'missing' when there is no such dashboard in the project, 'stale' when another change won.
   */
  async update(
    project: string,
    id: string,
    p: { name?: string; tiles?: Tile[]; version?: number },
  ): Promise<Dashboard | 'missing' | 'stale'> {
    const r = await this.db.query<Row>(
      `UPDATE dashboards SET
         name = coalesce($3, name),
         tiles = coalesce($4::jsonb, tiles),
         version = version + 1,
         updated_at = now()
       WHERE project_id = $1 AND id = $2 AND ($5::int IS NULL OR version = $5)
       RETURNING *`,
      [project, id, p.name ?? null, p.tiles ? JSON.stringify(withIds(p.tiles)) : null, p.version ?? null],
    );
    if (r.rows[0]) return toDashboard(r.rows[0]);
    return (await this.get(project, id)) ? 'stale' : 'missing';
  }

  async delete(project: string, id: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM dashboards WHERE project_id = $1 AND id = $2', [project, id]);
    return (r.rowCount ?? 0) > 0;
  }
}
