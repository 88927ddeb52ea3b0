/**
 * Where the lake's files live: the local filesystem today (local-storage.ts), an object store
 * (S3, GCS) next. Keys are '/'-separated paths relative to the lake's root
 * (`events/project=demo/date=2026-11-30/hour=14/part-....parquet`); layout.ts builds every one.
 * The operations are the few an object store offers too: nothing here appends, locks or renames
 * a folder.
 */
/** What an engine needs to read the lake where it lives (DuckDB's httpfs secret, for one). */
export type LakeAccess =
  | { kind: 'local' }
  | {
      kind: 's3';
      region: string;
      endpoint?: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      /** Where DuckDB finds its httpfs extension (a file from PyPI here; else DuckDB fetches it). */
      httpfs: HttpfsSource;
    }
  | {
      kind: 'gcs';
      endpoint?: string;
      /** An HMAC key: DuckDB reads GCS through its S3-compatible API. */
      accessKeyId?: string;
      secretAccessKey?: string;
      httpfs: HttpfsSource;
    };

export interface HttpfsSource {
  extensionDir: string;
  file?: string;
}

export interface LakeStorage {
  /** Where the lake lives, for engines that read it themselves. */
  readonly access: LakeAccess;
  /** Names directly under a folder (files and sub-folders), sorted; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** A file's bytes, or undefined when it does not exist. */
  read(key: string): Promise<Buffer | undefined>;
  /** A file's size in bytes, or undefined when it does not exist. */
  size(key: string): Promise<number | undefined>;
  /** Writes a whole file: readers see the old content or the new one, never a part. */
  write(key: string, data: string | Uint8Array): Promise<void>;
  /** Creates a file only if none is there; false when one was. */
  create(key: string, data: string | Uint8Array): Promise<boolean>;
  /**
   * Moves a finished file an engine wrote on this machine (in `scratch()`) to `key` at once:
   * readers never see it half-written, and the local file is gone afterwards.
   */
  publishFile(localFile: string, key: string): Promise<void>;
  /** Copies a file within the lake (the same content at `to`, written whole). */
  copy(from: string, to: string): Promise<void>;
  /** Removes a file; nothing happens when it is absent. */
  delete(key: string): Promise<void>;
  /** Where an engine reads the key (a glob is allowed): a path on this machine or an object URL. */
  uri(key: string): string;
  /** A fresh local path for an engine to write a file into before `publishFile`. */
  scratch(name: string): Promise<string>;
  /** Whether the lake can be used as configured; throws LakeUnavailableError saying what is wrong. */
  check(): Promise<void>;
}

/** The lake's store cannot be used as configured: what is wrong, and what to do about it. */
export class LakeUnavailableError extends Error {
  override name = 'LakeUnavailableError';

  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Joins key segments with '/', the lake's only separator whatever the storage. */
export const key = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');
