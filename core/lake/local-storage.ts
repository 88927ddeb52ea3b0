import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LakeUnavailableError, type LakeStorage } from './storage';

/** Temporary names end so: listings skip them, and no reader takes one for a finished file. */
const TMP = '.tmp-';

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The lake on this machine's filesystem. A file is written under a temporary name and renamed
 * into place (rename is atomic within a filesystem), so readers never see part of one; scratch
 * files live under the root (`_scratch/`) for the same reason.
 */
export class LocalStorage implements LakeStorage {
  readonly access = { kind: 'local' } as const;

  constructor(readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  // Listing and reading are synchronous: the lake's folders and records (pointers, marks,
  // markers) are small and on a local disk, where a sync call takes microseconds while the async
  // ones queue four round trips each on libuv's four threads, shared with DuckDB's and chDB's
  // work: under dashboard load every request reads the batch stamp, and a cold month reads 720
  // hour pointers. (Parquet files are read by the engines themselves, not through here.)
  async list(dir: string): Promise<string[]> {
    try {
      return readdirSync(this.path(dir))
        .filter((n) => !n.includes(TMP))
        .sort();
    } catch (e) {
      if (missing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw e;
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return readFileSync(this.path(key));
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(key))).size;
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  }

  async write(key: string, data: string | Uint8Array): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}${TMP}${process.pid}-${randomUUID()}`;
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async create(key: string, data: string | Uint8Array): Promise<boolean> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, data, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  async publishFile(localFile: string, key: string): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    try {
      await rename(localFile, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      // Scratch on another filesystem (a caller's own path): copy under a temporary name first.
      const tmp = `${file}${TMP}${process.pid}-${randomUUID()}`;
      await copyFile(localFile, tmp);
      await rename(tmp, file);
      await rm(localFile, { force: true });
    }
  }

  async copy(from: string, to: string): Promise<void> {
    const file = this.path(to);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}${TMP}${process.pid}-${randomUUID()}`;
    await copyFile(this.path(from), tmp);
    await rename(tmp, file);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  uri(key: string): string {
    return this.path(key);
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (e) {
      throw new LakeUnavailableError(
        `the lake's folder ${this.root} cannot be created (${(e as Error).message})`,
        'set LAKE_ROOT to a writable folder',
      );
    }
  }

  async scratch(name: string): Promise<string> {
    const dir = join(this.root, '_scratch');
    await mkdir(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomUUID()}-${name}${TMP}w`);
  }
}

/**
 * The few files that are not the lake and are read or written on this machine: the platform's
 * state (secrets, write keys, the report ledger), bundled resources (SQL, JSON Schemas) and
 * operator-given files (a CA certificate). Synchronous where they are read once at start-up.
 * Kept here so every disk access of the product is in one file (the layer rules enforce it).
 */
export const localFiles = {
  exists: (path: string): boolean => existsSync(path),
  readText: (path: string): string => readFileSync(path, 'utf8'),
  readBytes: (path: string): Buffer => readFileSync(path),
  /** A file's text, or undefined when absent. */
  readTextIfExists(path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  },
  list: (dir: string): string[] => readdirSync(dir).sort(),
  /**
   * Makes `dir` and its missing parents. A `mode` (a private folder, 0700) applies to `dir` alone:
   * `mkdir -p` with a mode gives it to every folder it creates, and a state folder made 0700 that way
   * locks out the services that run as another user (PostgreSQL runs as `nobody` under root).
   */
  ensureDir(dir: string, mode?: number): void {
    if (mode === undefined) return void mkdirSync(dir, { recursive: true });
    mkdirSync(dirname(dir), { recursive: true });
    try {
      mkdirSync(dir, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  },
  /** Inode, last modification time (ms) and size, or undefined when absent. */
  stat(path: string): { ino: number; mtimeMs: number; size: number } | undefined {
    try {
      const s = statSync(path);
      return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  },
  /** Writes a whole file under a temporary name, then renames it into place. */
  writeAtomically(path: string, data: string | Uint8Array, mode?: number): void {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}${TMP}${process.pid}-${randomUUID()}`;
    try {
      writeFileSync(tmp, data, mode === undefined ? {} : { mode });
      renameSync(tmp, path);
    } finally {
      rmSync(tmp, { force: true });
    }
  },
  /** Creates a file only if none is there (false when one was). */
  createExclusive(path: string, data: string, mode?: number): boolean {
    try {
      writeFileSync(path, data, { flag: 'wx', ...(mode === undefined ? {} : { mode }) });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  },
  remove: (path: string): void => rmSync(path, { force: true, recursive: true }),
  /** A fresh path in this machine's temporary folder, for a file an engine writes before publishing it. */
  scratchPath(name: string): string {
    const dir = join(tmpdir(), 'lake-scratch');
    mkdirSync(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomUUID()}-${name}`);
  },
  copy: (from: string, to: string): void => copyFileSync(from, to),
};
