import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { localFiles } from '../lake/local-storage';

/**
 * Write keys identify the project an event belongs to. Only SHA-256 hashes are stored: a leaked
 * key file does not leak keys. The file is the configuration; `./platform key` appends to it.
 */
export interface WriteKeyRecord {
  project: string;
  sha256: string;
  createdAt: string;
  revokedAt?: string;
}

interface KeyFile {
  keys: WriteKeyRecord[];
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function readKeyFile(file: string): KeyFile {
  const text = localFiles.readTextIfExists(file);
  if (text === undefined) return { keys: [] };
  const parsed = JSON.parse(text) as KeyFile;
  return { keys: Array.isArray(parsed.keys) ? parsed.keys : [] };
}

function writeKeyFile(file: string, content: KeyFile): void {
  localFiles.writeAtomically(file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
}

/** Creates a key for `project`, stores its hash, returns the key (shown once). */
export function createWriteKey(file: string, project: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(project)) {
    throw new Error(`project id '${project}' must be lowercase letters, digits, '-' or '_' (max 63)`);
  }
  const key = `wk_${project}_${randomBytes(18).toString('base64url')}`;
  const content = readKeyFile(file);
  content.keys.push({ project, sha256: hashKey(key), createdAt: new Date().toISOString() });
  writeKeyFile(file, content);
  return key;
}

export function revokeWriteKey(file: string, key: string): boolean {
  const content = readKeyFile(file);
  const h = hashKey(key);
  const rec = content.keys.find((k) => k.sha256 === h && !k.revokedAt);
  if (!rec) return false;
  rec.revokedAt = new Date().toISOString();
  writeKeyFile(file, content);
  return true;
}

/** Resolves keys to projects; re-reads the file when it changes, so new keys work without restart. */
export class WriteKeyStore {
  private byHash = new Map<string, WriteKeyRecord>();
  private version = '';
  private checkedAt = 0;

  constructor(
    private readonly file: string,
    private readonly recheckMs = 2000,
  ) {
    this.reload();
  }

  private reload(): void {
    // Writers replace the file by rename: a new inode, even within one mtime tick.
    const st = localFiles.stat(this.file);
    const version = st ? `${st.ino}:${st.mtimeMs}:${st.size}` : 'none';
    if (version === this.version) return;
    this.version = version;
    this.byHash = new Map(readKeyFile(this.file).keys.map((k) => [k.sha256, k]));
  }

  /** The project for a valid, unrevoked key; undefined otherwise. */
  resolve(key: string): string | undefined {
    const now = Date.now();
    if (now - this.checkedAt >= this.recheckMs) {
      this.checkedAt = now;
      this.reload();
    }
    const h = hashKey(key);
    const rec = this.byHash.get(h);
    if (!rec || rec.revokedAt) return undefined;
    // The map lookup already matched; compare in constant time anyway as a guard.
    return timingSafeEqual(Buffer.from(rec.sha256), Buffer.from(h)) ? rec.project : undefined;
  }
}
