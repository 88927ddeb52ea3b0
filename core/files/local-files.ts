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
import { dirname } from 'node:path';

/** Temporary names end so, as the lake's do: nothing takes one for a finished file. */
const TMP = '.tmp-';

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The few files that are not the lake and are read or written on this machine: the platform's
 * state (secrets, write keys, the report ledger), bundled resources (SQL, JSON Schemas) and
 * operator-given files (a CA certificate). Synchronous where they are read once at start-up.
 * With the lake's local storage (core/lake/local-storage.ts), the only product code that touches
 * the disk (the layer rules enforce it).
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
  copy: (from: string, to: string): void => copyFileSync(from, to),
};
