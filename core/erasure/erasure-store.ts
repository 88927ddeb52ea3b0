import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../metadata/store';
import { idHash, subjectIds, type ErasureSubject } from './subject';

/** What an erasure removed: counts and time ranges only, never an id. */
export interface ErasureRemoved {
  lakeFiles: number;
  lakeRows: number;
  quarantineRows: number;
  speedRows: number;
  speedMinutes: number;
  hoursRecomputed: string[];
  daysRolledUp: string[];
}

/** The audit entry of an erasure, as the API and the CLI show it. */
export interface ErasureRecord {
  id: string;
  project: string;
  requestedBy: string;
  requestedAt: string;
  workflowId: string;
  status: 'running' | 'done';
  removed: ErasureRemoved | null;
  completedAt: string | null;
}

interface Row {
  id: string;
  project_id: string;
  requested_by: string;
  requested_at: Date;
  workflow_id: string;
  status: 'running' | 'done';
  removed: ErasureRemoved | null;
  completed_at: Date | null;
}

const record = (r: Row): ErasureRecord => ({
  id: r.id,
  project: r.project_id,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at.toISOString(),
  workflowId: r.workflow_id,
  status: r.status,
  removed: r.removed,
  completedAt: r.completed_at?.toISOString() ?? null,
});

const COLUMNS = 'id, project_id, requested_by, requested_at, workflow_id, status, removed, completed_at';

/** The workflow id of an erasure: named by the erasure, never by the user. */
export const erasureWorkflowId = (id: string): string => `erase-user-${id}`;

/** Erasure requests and their audit trail, and the ingest drop list, in PostgreSQL. */
export class ErasureStore {
  constructor(private readonly db: MetadataStore) {}

  /** Records a request (the subject kept until it completes); returns its audit entry. */
  async create(project: string, user: string, requestedBy: string): Promise<ErasureRecord> {
    const id = randomUUID();
    const subject: ErasureSubject = { user, users: [user], anons: [] };
    const r = await this.db.query<Row>(
      `INSERT INTO erasures (id, project_id, requested_by, workflow_id, subject)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [id, project, requestedBy, erasureWorkflowId(id), JSON.stringify(subject)],
    );
    return record(r.rows[0] as Row);
  }

  async get(project: string, id: string): Promise<ErasureRecord | undefined> {
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM erasures WHERE project_id = $1 AND id = $2`, [
      project,
      id,
    ]);
    return r.rows[0] && record(r.rows[0]);
  }

  async list(project: string): Promise<ErasureRecord[]> {
    const r = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM erasures WHERE project_id = $1 ORDER BY requested_at DESC LIMIT 500`,
      [project],
    );
    return r.rows.map(record);
  }

  /** The project and the ids being erased; undefined once the erasure completed (they are gone). */
  async subject(id: string): Promise<{ project: string; subject: ErasureSubject } | undefined> {
    const r = await this.db.query<{ project_id: string; subject: ErasureSubject | null }>(
      'SELECT project_id, subject FROM erasures WHERE id = $1',
      [id],
    );
    const row = r.rows[0];
    if (!row) throw new Error(`no erasure ${id}`);
    return row.subject ? { project: row.project_id, subject: row.subject } : undefined;
  }

  /**
   * Adds linked ids found by one store's lookup, merged in the UPDATE itself: two lookups at once
   * both count. Returns the subject as it now stands.
   */
  async addLinks(id: string, found: ErasureSubject): Promise<ErasureSubject> {
    const r = await this.db.query<{ subject: ErasureSubject }>(
      `UPDATE erasures SET subject = jsonb_build_object(
         'user', subject->'user',
         'users', (SELECT jsonb_agg(DISTINCT v ORDER BY v) FROM jsonb_array_elements(subject->'users' || $2::jsonb) v),
         'anons', (SELECT coalesce(jsonb_agg(DISTINCT v ORDER BY v), '[]'::jsonb) FROM jsonb_array_elements(subject->'anons' || $3::jsonb) v))
       WHERE id = $1 AND subject IS NOT NULL RETURNING subject`,
      [id, JSON.stringify(found.users), JSON.stringify(found.anons)],
    );
    const subject = r.rows[0]?.subject;
    if (!subject) throw new Error(`erasure ${id} has no subject (it completed)`);
    return subject;
  }

  /** Puts every id of the subject on the drop list until `until`; returns how many ids. */
  async block(id: string, project: string, subject: ErasureSubject, until: Date): Promise<number> {
    const hashes = subjectIds(subject).map((i) => idHash(project, i));
    await this.db.query(
      `INSERT INTO erased_ids (project_id, id_sha256, erasure_id, until)
       SELECT $1, h, $2, $3 FROM unnest($4::text[]) h
       ON CONFLICT (project_id, id_sha256) DO UPDATE SET until = GREATEST(erased_ids.until, EXCLUDED.until)`,
      [project, id, until, hashes],
    );
    return hashes.length;
  }

  /** Removes a request whose workflow could not be started. */
  async forget(id: string): Promise<void> {
    await this.db.query("DELETE FROM erasures WHERE id = $1 AND status = 'running'", [id]);
  }

  /** Closes the audit entry with what was removed, and forgets the subject. Idempotent. */
  async complete(id: string, removed: ErasureRemoved): Promise<void> {
    await this.db.query(
      `UPDATE erasures SET status = 'done', removed = $2, completed_at = coalesce(completed_at, now()), subject = NULL
       WHERE id = $1`,
      [id, JSON.stringify(removed)],
    );
  }

  /** The drop list in force: `project\u0000sha256` of every id whose period has not ended. */
  async blocked(now = new Date()): Promise<Set<string>> {
    const r = await this.db.query<{ project_id: string; id_sha256: string }>(
      'SELECT project_id, id_sha256 FROM erased_ids WHERE until > $1',
      [now],
    );
    return new Set(r.rows.map((x) => `${x.project_id}\u0000${x.id_sha256}`));
  }
}
