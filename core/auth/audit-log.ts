import type { MetadataStore } from '../metadata/store';

export interface AuditEntry {
  at: string;
  project: string;
  /** Who acted: a member's email (and the token they minted, when it was one), a CLI user, a token. */
  actor: string;
  action: string;
  /** What was acted on: a definition's id, a route, a member's id; never a data subject. */
  target?: string;
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  from?: Date;
  to?: Date;
  action?: string;
  actor?: string;
  /** Leave out the counted answers: changes, exports and sign-ins only. */
  changesOnly?: boolean;
  limit: number;
}

/** How often counted answers are written: one entry per project, actor and route per period. */
const FLUSH_MS = 60_000;

/**
 * The audit log in PostgreSQL (append-only: a trigger refuses updates). Changes are written as
 * they happen, before their answer; answers served are counted in memory and written as one
 * `answers.served` entry per project, actor and route every minute, so reading a dashboard costs
 * no write per request.
 */
export class AuditLog {
  private counts = new Map<
    string,
    { project: string; actor: string; route: string; n: number; since: string }
  >();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: MetadataStore,
    private readonly retentionDays: number,
    private readonly flushMs = FLUSH_MS,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.flush().catch(() => {}), this.flushMs);
    this.timer.unref();
    return this;
  }

  async record(e: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.db.query(
      'INSERT INTO audit_log (project_id, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)',
      [
        e.project,
        e.actor,
        e.action,
        e.target ?? null,
        e.detail === undefined ? null : JSON.stringify(e.detail),
      ],
    );
  }

  /** Counts one answer served; written with the others at the next flush. */
  countAnswer(project: string, actor: string, route: string): void {
    const key = `${project}\u0000${actor}\u0000${route}`;
    const c = this.counts.get(key);
    if (c) c.n++;
    else this.counts.set(key, { project, actor, route, n: 1, since: new Date().toISOString() });
  }

  /** Writes the counted answers (one entry each) and deletes entries past the retention. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const counts = [...this.counts.values()];
      this.counts = new Map();
      const until = new Date().toISOString();
      for (const c of counts)
        await this.record({
          project: c.project,
          actor: c.actor,
          action: 'answers.served',
          target: c.route,
          detail: { count: c.n, from: c.since, to: until },
        });
      await this.db.query(`DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)`, [
        this.retentionDays,
      ]);
    });
    return this.flushing;
  }

  async query(project: string, q: AuditQuery): Promise<AuditEntry[]> {
    const r = await this.db.query<{
      at: Date;
      actor: string;
      action: string;
      target: string | null;
      detail: Record<string, unknown> | null;
    }>(
      `SELECT at, actor, action, target, detail FROM audit_log
       WHERE project_id = $1 AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)
         AND ($4::text IS NULL OR action = $4 OR left(action, length($4) + 1) = $4 || '.') AND ($5::text IS NULL OR actor = $5)
         AND (NOT $7 OR action <> 'answers.served')
       ORDER BY at DESC, id DESC LIMIT $6`,
      [
        project,
        q.from ?? null,
        q.to ?? null,
        q.action ?? null,
        q.actor ?? null,
        q.limit,
        q.changesOnly === true,
      ],
    );
    return r.rows.map((row) => ({
      at: row.at.toISOString(),
      project,
      actor: row.actor,
      action: row.action,
      ...(row.target !== null ? { target: row.target } : {}),
      ...(row.detail !== null ? { detail: row.detail } : {}),
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
  }
}
