import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { MetadataStore } from '../metadata/store';
import { atLeast, isRole, type Role } from './roles';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** How long an emailed invitation works. */
export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;
/** A role read is trusted this long in one process; a change made here is seen here at once. */
const CACHE_MS = 2_000;

const EMAIL = /^[^\s@<>()[\],;:"]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$/;

/** An email address in its one spelling (lowercase), or undefined when it is not one. */
export function emailOf(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const e = text.trim().toLowerCase();
  return e.length <= 254 && EMAIL.test(e) ? e : undefined;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  addedAt: string;
}

export interface Invitation {
  project: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt?: string;
}

/** Why a change to the members was refused: the caller turns each into a clear answer. */
export type MembershipChange = 'changed' | 'not-a-member' | 'last-owner';

/**
 * Users, their memberships of projects and invitations, in PostgreSQL. Every serving process asks
 * here for a member's current role, so a role changed or a member removed holds everywhere within
 * CACHE_MS.
 */
export class Members {
  private readonly roles = new Map<string, { role: Role | undefined; until: number }>();
  private readonly emails = new Map<string, string>();

  constructor(
    private readonly db: MetadataStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user with this email, made when it is new. */
  async ensureUser(email: string): Promise<{ id: string; email: string }> {
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO users (id, email) VALUES ($1, $2)
       ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
      [randomUUID(), email],
    );
    return { id: (r.rows[0] as { id: string }).id, email };
  }

  async userByEmail(email: string): Promise<{ id: string; instanceAdmin: boolean } | undefined> {
    const r = await this.db.query<{ id: string; instance_admin: boolean }>(
      'SELECT id, instance_admin FROM users WHERE email = $1',
      [email],
    );
    const row = r.rows[0];
    return row ? { id: row.id, instanceAdmin: row.instance_admin } : undefined;
  }

  /** A user's address (it never changes, so it is kept once read). */
  async emailOf(userId: string): Promise<string | undefined> {
    const known = this.emails.get(userId);
    if (known !== undefined) return known;
    const r = await this.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
    const email = r.rows[0]?.email;
    if (email !== undefined && this.emails.size < 100_000) this.emails.set(userId, email);
    return email;
  }

  async setInstanceAdmin(userId: string, yes: boolean): Promise<void> {
    await this.db.query('UPDATE users SET instance_admin = $2 WHERE id = $1', [userId, yes]);
  }

  async isInstanceAdmin(userId: string): Promise<boolean> {
    const r = await this.db.query<{ instance_admin: boolean }>(
      'SELECT instance_admin FROM users WHERE id = $1',
      [userId],
    );
    return r.rows[0]?.instance_admin === true;
  }

  /** The member's role in the project now; undefined when they are not (or no longer) a member. */
  async roleOf(project: string, userId: string): Promise<Role | undefined> {
    const key = `${project}\u0000${userId}`;
    const cached = this.roles.get(key);
    if (cached && cached.until > this.now()) return cached.role;
    const r = await this.db.query<{ role: string }>(
      'SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2',
      [project, userId],
    );
    const found = r.rows[0]?.role;
    const role = isRole(found) ? found : undefined;
    if (this.roles.size > 10_000) this.roles.clear();
    this.roles.set(key, { role, until: this.now() + CACHE_MS });
    return role;
  }

  async list(project: string): Promise<Member[]> {
    return this.members(project);
  }

  /** One member of the project, or undefined. */
  async one(project: string, userId: string): Promise<Member | undefined> {
    return (await this.members(project, userId))[0];
  }

  /** Whether the project has any member (it exists as far as people go). */
  async any(project: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM memberships WHERE project_id = $1 LIMIT 1', [project]);
    return (r.rowCount ?? 0) > 0;
  }

  private async members(project: string, userId?: string): Promise<Member[]> {
    const r = await this.db.query<{ user_id: string; email: string; role: Role; added_at: Date }>(
      `SELECT m.user_id, u.email, m.role, m.added_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = $1 AND ($2::text IS NULL OR m.user_id = $2) ORDER BY u.email`,
      [project, userId ?? null],
    );
    return r.rows.map((row) => ({
      userId: row.user_id,
      email: row.email,
      role: row.role,
      addedAt: row.added_at.toISOString(),
    }));
  }

  /** Makes the user a member with this role (or gives a member this role). */
  async add(project: string, userId: string, role: Role): Promise<void> {
    await this.db.query(
      `INSERT INTO memberships (project_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [project, userId, role],
    );
    this.forget(project, userId);
  }

  /** Gives a member another role; a project's last owner stays an owner. */
  setRole(project: string, userId: string, role: Role): Promise<MembershipChange> {
    return this.change(project, userId, role);
  }

  /** Removes a member; a project's last owner cannot leave. */
  remove(project: string, userId: string): Promise<MembershipChange> {
    return this.change(project, userId, undefined);
  }

  /**
   * One change under a lock on the project's memberships: two owners demoting each other at once
   * cannot leave the project without one.
   */
  private async change(project: string, userId: string, role: Role | undefined): Promise<MembershipChange> {
    const outcome = await this.db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock(hashtext($1))', [`memberships:${project}`]);
      const current = await query<{ role: string }>(
        'SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2',
        [project, userId],
      );
      const was = current.rows[0]?.role;
      if (was === undefined) return 'not-a-member' as const;
      if (was === 'owner' && role !== 'owner') {
        const owners = await query<{ n: string }>(
          "SELECT count(*) AS n FROM memberships WHERE project_id = $1 AND role = 'owner'",
          [project],
        );
        if (Number(owners.rows[0]?.n) <= 1) return 'last-owner' as const;
      }
      if (role === undefined)
        await query('DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', [project, userId]);
      else
        await query('UPDATE memberships SET role = $3 WHERE project_id = $1 AND user_id = $2', [
          project,
          userId,
          role,
        ]);
      return 'changed' as const;
    });
    this.forget(project, userId);
    return outcome;
  }

  private forget(project: string, userId: string): void {
    this.roles.delete(`${project}\u0000${userId}`);
  }

  /** A new invitation: the link's one-time code (only its hash is kept) and when it expires. */
  async invite(
    project: string,
    email: string,
    role: Role,
    invitedBy: string,
  ): Promise<{ code: string; expiresAt: Date }> {
    const code = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.now() + INVITATION_TTL_MS);
    await this.db.query(
      `INSERT INTO invitations (code_hash, project_id, email, role, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [hash(code), project, email, role, invitedBy, expiresAt],
    );
    return { code, expiresAt };
  }

  /**
   * Accepts an invitation once, before it expires: the invited address becomes a user (if new) and
   * a member with the invited role. Undefined when the code is unknown, used or expired.
   */
  async accept(
    code: string,
  ): Promise<{ project: string; userId: string; email: string; role: Role } | undefined> {
    const used = await this.db.query<{ project_id: string; email: string; role: Role }>(
      `UPDATE invitations SET accepted_at = now()
       WHERE code_hash = $1 AND accepted_at IS NULL AND expires_at > $2
       RETURNING project_id, email, role`,
      [hash(code), new Date(this.now())],
    );
    const row = used.rows[0];
    if (!row) return undefined;
    const user = await this.ensureUser(row.email);
    // Accepting never lowers a role the member already has.
    const had = await this.roleOf(row.project_id, user.id);
    const role = had !== undefined && atLeast(had, row.role) ? had : row.role;
    await this.add(row.project_id, user.id, role);
    return { project: row.project_id, userId: user.id, email: row.email, role };
  }

  async invitations(project: string): Promise<Invitation[]> {
    const r = await this.db.query<{
      email: string;
      role: Role;
      invited_by: string;
      created_at: Date;
      expires_at: Date;
      accepted_at: Date | null;
    }>(
      `SELECT email, role, invited_by, created_at, expires_at, accepted_at FROM invitations
       WHERE project_id = $1 ORDER BY created_at DESC LIMIT 200`,
      [project],
    );
    return r.rows.map((row) => ({
      project,
      email: row.email,
      role: row.role,
      invitedBy: row.invited_by,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      ...(row.accepted_at ? { acceptedAt: row.accepted_at.toISOString() } : {}),
    }));
  }
}
