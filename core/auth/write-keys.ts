import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/config';
import { InMemoryCopy } from '../metadata/in-memory-copy';
import { MetadataStore } from '../metadata/store';
import { Networks } from './networks';

/**
 * Write keys identify the project an event belongs to. Only SHA-256 hashes are stored (in
 * PostgreSQL, the metadata store): a leaked table does not leak keys.
 */
export interface WriteKeyRecord {
  project: string;
  sha256: string;
  createdAt: string;
  revokedAt?: string;
  /** Networks the key may send from (CIDR); absent: anywhere (SDKs in browsers and apps). */
  allowedCidrs?: string[];
}

/** What the collector asks of its keys: the project of a valid, unrevoked key. */
export interface KeyResolver {
  resolve(key: string): string | undefined;
  /** Whether a client at `address` may send with this key (its networks, when it has any). */
  allows?(key: string, address: string): boolean;
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** How the API names a write key: the first 16 hex digits of its hash (never the key). */
export const writeKeyId = (sha256: string): string => sha256.slice(0, 16);

const PROJECT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A new key for `project` (the plain key, shown once) and the record that stores its hash. */
export function newWriteKey(project: string): { key: string; record: WriteKeyRecord } {
  if (!PROJECT.test(project)) {
    throw new Error(`project id '${project}' must be lowercase letters, digits, '-' or '_' (max 63)`);
  }
  const key = `wk_${project}_${randomBytes(18).toString('base64url')}`;
  return { key, record: { project, sha256: hashKey(key), createdAt: new Date().toISOString() } };
}

/** Keys held in memory: for unit tests of the collector, which test everything but the store. */
export class StaticKeys implements KeyResolver {
  private readonly byHash = new Map<string, string>();

  /** Creates a key for `project` and returns it. */
  add(project: string): string {
    const { key, record } = newWriteKey(project);
    this.byHash.set(record.sha256, project);
    return key;
  }

  resolve(key: string): string | undefined {
    return this.byHash.get(hashKey(key));
  }
}

/** The write keys in PostgreSQL: created, revoked and listed by the CLI, read by every collector. */
export class WriteKeys {
  constructor(private readonly db: MetadataStore) {}

  async create(project: string, name?: string, allowedCidrs?: string[]): Promise<string> {
    const { key, record } = newWriteKey(project);
    await this.db.query(
      'INSERT INTO write_keys (sha256, project_id, created_at, name, allowed_cidrs) VALUES ($1, $2, $3, $4, $5)',
      [
        record.sha256,
        record.project,
        record.createdAt,
        name ?? null,
        allowedCidrs?.length ? allowedCidrs : null,
      ],
    );
    return key;
  }

  /** A project's keys as the API lists them: an id (the hash's first 16 digits), never the key. */
  async listed(
    project: string,
  ): Promise<
    { id: string; name?: string; createdAt: string; revokedAt?: string; allowedCidrs?: string[] }[]
  > {
    const r = await this.db.query<{
      sha256: string;
      name: string | null;
      created_at: Date;
      revoked_at: Date | null;
      allowed_cidrs: string[] | null;
    }>(
      `SELECT sha256, name, created_at, revoked_at, allowed_cidrs FROM write_keys
       WHERE project_id = $1 ORDER BY created_at DESC`,
      [project],
    );
    return r.rows.map((row) => ({
      id: writeKeyId(row.sha256),
      ...(row.name !== null ? { name: row.name } : {}),
      ...(row.allowed_cidrs ? { allowedCidrs: row.allowed_cidrs } : {}),
      createdAt: row.created_at.toISOString(),
      ...(row.revoked_at ? { revokedAt: row.revoked_at.toISOString() } : {}),
    }));
  }

  /** Revokes the project's active key with this id; false when there is none. */
  async revokeById(project: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{16}$/.test(id)) return false;
    const r = await this.db.query(
      `UPDATE write_keys SET revoked_at = now()
       WHERE project_id = $1 AND left(sha256, 16) = $2 AND revoked_at IS NULL`,
      [project, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Stores a key made before (kept by its owner) if its hash is not here yet; a revoked one stays revoked. */
  async adopt(key: string, project: string): Promise<void> {
    await this.db.query(
      'INSERT INTO write_keys (sha256, project_id) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING',
      [hashKey(key), project],
    );
  }

  /** Revokes an active key; false when there is no such active key. */
  async revoke(key: string): Promise<boolean> {
    const r = await this.db.query(
      'UPDATE write_keys SET revoked_at = now() WHERE sha256 = $1 AND revoked_at IS NULL',
      [hashKey(key)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async all(): Promise<WriteKeyRecord[]> {
    const r = await this.db.query<{
      sha256: string;
      project_id: string;
      created_at: Date;
      revoked_at: Date | null;
      allowed_cidrs: string[] | null;
    }>('SELECT sha256, project_id, created_at, revoked_at, allowed_cidrs FROM write_keys');
    return r.rows.map((row) => ({
      project: row.project_id,
      sha256: row.sha256,
      createdAt: row.created_at.toISOString(),
      ...(row.allowed_cidrs ? { allowedCidrs: row.allowed_cidrs } : {}),
      ...(row.revoked_at ? { revokedAt: row.revoked_at.toISOString() } : {}),
    }));
  }
}

/**
 * The collector's keys: all of them in memory (a request never waits on PostgreSQL), reloaded
 * every `refreshMs`, so a key made or revoked anywhere works or stops within it. While
 * PostgreSQL is away the last keys loaded keep answering: ingest keeps accepting events.
 */
export class WriteKeyStore implements KeyResolver {
  /** Parsed once per list read (a reload reads new lists, and these are forgotten with the old ones). */
  private readonly networks = new WeakMap<string[], Networks>();

  private constructor(private readonly copy: InMemoryCopy<Map<string, WriteKeyRecord>>) {}

  /** Loads the keys; throws when PostgreSQL cannot be reached. */
  static async open(db: MetadataStore, refreshMs = 2000): Promise<WriteKeyStore> {
    const keys = new WriteKeys(db);
    return new WriteKeyStore(
      await InMemoryCopy.start(async () => new Map((await keys.all()).map((k) => [k.sha256, k])), refreshMs),
    );
  }

  /** A key without networks is allowed from anywhere; one with them only from inside one. */
  allows(key: string, address: string): boolean {
    const cidrs = this.copy.value.get(hashKey(key))?.allowedCidrs;
    if (!cidrs) return true;
    let networks = this.networks.get(cidrs);
    if (!networks) {
      networks = new Networks(cidrs);
      this.networks.set(cidrs, networks);
    }
    return networks.has(address);
  }

  /** Reads every key again. */
  reload(): Promise<void> {
    return this.copy.reload();
  }

  /** The project for a valid, unrevoked key; undefined otherwise. */
  resolve(key: string): string | undefined {
    const h = hashKey(key);
    const rec = this.copy.value.get(h);
    if (!rec || rec.revokedAt) return undefined;
    // The map lookup already matched; compare in constant time anyway as a guard.
    return timingSafeEqual(Buffer.from(rec.sha256), Buffer.from(h)) ? rec.project : undefined;
  }

  close(): void {
    this.copy.close();
  }
}

/** Runs `f` on the configured metadata store's write keys. */
export async function withWriteKeys<T>(config: Config, f: (keys: WriteKeys) => Promise<T>): Promise<T> {
  const db = await MetadataStore.open(config.metadata.url);
  try {
    return await f(new WriteKeys(db));
  } finally {
    await db.close();
  }
}

/** Creates a write key for `project` in the configured metadata store; returns it (shown once). */
export const createWriteKey = (config: Config, project: string): Promise<string> =>
  withWriteKeys(config, (keys) => keys.create(project));
