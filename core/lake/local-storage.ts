import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
 * Scratch files of the lakes on an object store: an engine writes a file on this machine, the
 * store uploads it, then it goes. In this machine's temporary folder, not the lake.
 */
export const scratchFiles = {
  /** A fresh path for a file an engine writes before publishing it. */
  path(name: string): string {
    const dir = join(tmpdir(), 'lake-scratch');
    mkdirSync(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomUUID()}-${name}`);
  },
  read: (path: string): Buffer => readFileSync(path),
  remove: (path: string): void => rmSync(path, { force: true }),
};
