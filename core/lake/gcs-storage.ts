import { ApiError, Storage, type Bucket } from '@google-cloud/storage';
import { scratchFiles } from './local-storage';
import { LakeUnavailableError, type HttpfsSource, type LakeAccess, type LakeStorage } from './storage';

export interface GcsLakeSettings {
  bucket: string;
  /** Key prefix inside the bucket ('' for the bucket's root). */
  prefix: string;
  /** A GCS-compatible endpoint (fake-gcs-server locally); Google's when absent. */
  endpoint?: string;
  projectId?: string;
  /** HMAC key for engines that read through GCS's S3-compatible API (DuckDB's httpfs). */
  hmacKeyId?: string;
  hmacSecret?: string;
  httpfs: HttpfsSource;
}

const status = (e: unknown) => (e instanceof ApiError ? e.code : undefined);

/**
 * The lake on Google Cloud Storage. As on S3 there is no rename: every write uploads the whole
 * object in one request (no resumable upload), which becomes visible all at once; `create` is an
 * upload with the precondition "no generation yet" (ifGenerationMatch: 0), refused with 412 when
 * the object exists. Credentials come from the environment (Application Default Credentials).
 */
export class GcsStorage implements LakeStorage {
  private readonly storage: Storage;
  private readonly bucket: Bucket;

  constructor(private readonly s: GcsLakeSettings) {
    this.storage = new Storage({
      ...(s.projectId ? { projectId: s.projectId } : {}),
      ...(s.endpoint ? { apiEndpoint: s.endpoint } : {}),
    });
    this.bucket = this.storage.bucket(s.bucket);
  }

  get access(): LakeAccess {
    return {
      kind: 'gcs',
      httpfs: this.s.httpfs,
      ...(this.s.endpoint ? { endpoint: this.s.endpoint } : {}),
      ...(this.s.hmacKeyId && this.s.hmacSecret
        ? { accessKeyId: this.s.hmacKeyId, secretAccessKey: this.s.hmacSecret }
        : {}),
    };
  }

  private objectKey(key: string): string {
    return this.s.prefix === '' ? key : `${this.s.prefix}/${key}`;
  }

  async list(dir: string): Promise<string[]> {
    const prefix = `${this.objectKey(dir)}/`;
    const names = new Set<string>();
    let pageToken: string | undefined;
    do {
      const [files, next, response] = await this.bucket.getFiles({
        prefix,
        delimiter: '/',
        autoPaginate: false,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const f of files) names.add(f.name.slice(prefix.length));
      for (const p of (response as { prefixes?: string[] } | undefined)?.prefixes ?? [])
        names.add(p.slice(prefix.length, -1));
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
    return [...names].filter((n) => n !== '').sort();
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      const [bytes] = await this.bucket.file(this.objectKey(key)).download();
      return bytes;
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const [meta] = await this.bucket.file(this.objectKey(key)).getMetadata();
      return Number(meta.size);
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  }

  async write(key: string, data: string | Uint8Array): Promise<void> {
    await this.bucket.file(this.objectKey(key)).save(Buffer.from(data), { resumable: false });
  }

  async create(key: string, data: string | Uint8Array): Promise<boolean> {
    try {
      await this.bucket
        .file(this.objectKey(key))
        .save(Buffer.from(data), { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
      return true;
    } catch (e) {
      if (status(e) === 412) return false;
      throw e;
    }
  }

  async publishFile(localFile: string, key: string): Promise<void> {
    await this.write(key, scratchFiles.read(localFile));
    scratchFiles.remove(localFile);
  }

  async copy(from: string, to: string): Promise<void> {
    await this.bucket.file(this.objectKey(from)).copy(this.bucket.file(this.objectKey(to)));
  }

  async delete(key: string): Promise<void> {
    await this.bucket.file(this.objectKey(key)).delete({ ignoreNotFound: true });
  }

  uri(key: string): string {
    return `gcs://${this.s.bucket}/${this.objectKey(key)}`;
  }

  async scratch(name: string): Promise<string> {
    return scratchFiles.path(name);
  }

  async check(): Promise<void> {
    const where = `the lake's bucket '${this.s.bucket}' at ${this.s.endpoint ?? 'Google Cloud Storage'}`;
    let exists: boolean;
    try {
      [exists] = await this.bucket.exists();
    } catch (e) {
      const code = status(e);
      if (code === 401 || code === 403)
        throw new LakeUnavailableError(
          `${where} refuses these credentials`,
          'check GOOGLE_APPLICATION_CREDENTIALS',
        );
      throw new LakeUnavailableError(
        `${where} cannot be reached (${(e as Error).message})`,
        'check LAKE_GCS_ENDPOINT and that the store is running',
      );
    }
    if (!exists) throw new LakeUnavailableError(`${where} does not exist`, 'create it, or fix LAKE_URL');
  }
}
