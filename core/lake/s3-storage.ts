import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { scratchFiles } from './local-storage';
import { LakeUnavailableError, type HttpfsSource, type LakeAccess, type LakeStorage } from './storage';

export interface S3LakeSettings {
  bucket: string;
  /** Key prefix inside the bucket ('' for the bucket's root). */
  prefix: string;
  /** An S3-compatible endpoint (MinIO...); AWS when absent. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  httpfs: HttpfsSource;
}

const notFound = (e: unknown) =>
  e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey');

/**
 * The lake on S3 (or an S3-compatible store such as MinIO). There is no rename: every write is
 * one PUT of the whole object, which S3 makes visible all at once or not at all, so readers never
 * see part of a file; a file named by its Kafka range is rewritten with the same content when a
 * range is replayed, so a second write is harmless. `create` is a conditional PUT
 * (If-None-Match: *), which S3 and MinIO refuse with 412 when the key exists.
 */
export class S3Storage implements LakeStorage {
  private readonly client: S3Client;

  constructor(private readonly s: S3LakeSettings) {
    this.client = new S3Client({
      region: s.region,
      ...(s.endpoint ? { endpoint: s.endpoint, forcePathStyle: true } : {}),
      ...(s.accessKeyId && s.secretAccessKey
        ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }
        : {}),
    });
  }

  get access(): LakeAccess {
    return {
      kind: 's3',
      region: this.s.region,
      httpfs: this.s.httpfs,
      ...(this.s.endpoint ? { endpoint: this.s.endpoint } : {}),
      ...(this.s.accessKeyId && this.s.secretAccessKey
        ? { accessKeyId: this.s.accessKeyId, secretAccessKey: this.s.secretAccessKey }
        : {}),
    };
  }

  private objectKey(key: string): string {
    return this.s.prefix === '' ? key : `${this.s.prefix}/${key}`;
  }

  async list(dir: string): Promise<string[]> {
    const prefix = `${this.objectKey(dir)}/`;
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.s.bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) names.add(p.Prefix.slice(prefix.length, -1));
      for (const o of page.Contents ?? []) if (o.Key) names.add(o.Key.slice(prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...names].filter((n) => n !== '').sort();
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.s.bucket, Key: this.objectKey(key) }),
      );
      return Buffer.from(
        await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const r = await this.client.send(
        new HeadObjectCommand({ Bucket: this.s.bucket, Key: this.objectKey(key) }),
      );
      return r.ContentLength;
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async write(key: string, data: string | Uint8Array): Promise<void> {
    // A buffer of known length: one PUT, never a chunked upload of a stream.
    const body = Buffer.from(data);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.s.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentLength: body.length,
      }),
    );
  }

  async create(key: string, data: string | Uint8Array): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.s.bucket,
          Key: this.objectKey(key),
          Body: Buffer.from(data),
          ContentLength: Buffer.byteLength(data),
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 412) return false;
      throw e;
    }
  }

  async publishFile(localFile: string, key: string): Promise<void> {
    await this.write(key, scratchFiles.read(localFile));
    scratchFiles.remove(localFile);
  }

  async copy(from: string, to: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.s.bucket,
        Key: this.objectKey(to),
        CopySource: `${this.s.bucket}/${this.objectKey(from)}`,
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.s.bucket, Key: this.objectKey(key) }));
  }

  uri(key: string): string {
    return `s3://${this.s.bucket}/${this.objectKey(key)}`;
  }

  async scratch(name: string): Promise<string> {
    return scratchFiles.path(name);
  }

  /** Whether the bucket answers with these credentials; else one line saying what is wrong. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.s.bucket }));
    } catch (e) {
      const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
      const where = `the lake's bucket '${this.s.bucket}' at ${this.s.endpoint ?? 'AWS S3'}`;
      if (status === 404)
        throw new LakeUnavailableError(`${where} does not exist`, 'create it, or fix LAKE_URL');
      if (status === 403 || status === 401)
        throw new LakeUnavailableError(
          `${where} refuses these credentials`,
          'check LAKE_S3_ACCESS_KEY_ID and LAKE_S3_SECRET_ACCESS_KEY',
        );
      throw new LakeUnavailableError(
        `${where} cannot be reached (${(e as Error).name}: ${(e as Error).message})`,
        'check LAKE_S3_ENDPOINT and that the store is running',
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}
