import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { ensureMinioInstalled } from './install';

export interface MinioServiceOptions {
  port: number;
  consolePort: number;
  /** Local-only credentials: the server checks them, as S3 does. */
  user: string;
  password: string;
  /** Made at start when missing: the lake's bucket for local runs and tests. */
  bucket: string;
}

export function minioServiceOptions(env: NodeJS.ProcessEnv = process.env): MinioServiceOptions {
  return {
    port: Number(env.MINIO_PORT ?? 9000),
    consolePort: Number(env.MINIO_CONSOLE_PORT ?? 9001),
    user: env.MINIO_ROOT_USER ?? 'platform-local',
    password: env.MINIO_ROOT_PASSWORD ?? 'platform-local-secret',
    bucket: env.MINIO_BUCKET ?? 'lake',
  };
}

/** The settings that point the platform's lake at this local MinIO. */
export function minioLakeEnv(o: MinioServiceOptions = minioServiceOptions(), prefix = ''): NodeJS.ProcessEnv {
  return {
    LAKE_URL: `s3://${o.bucket}${prefix ? `/${prefix}` : ''}`,
    LAKE_S3_ENDPOINT: `http://127.0.0.1:${o.port}`,
    LAKE_S3_REGION: 'us-east-1',
    LAKE_S3_ACCESS_KEY_ID: o.user,
    LAKE_S3_SECRET_ACCESS_KEY: o.password,
  };
}

const dir = () => join(stateDir(), 'minio');
export const minioLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

export async function minioAnswers(o: MinioServiceOptions): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${o.port}/minio/health/ready`, {
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

async function ensureBucket(o: MinioServiceOptions): Promise<void> {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${o.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: o.user, secretAccessKey: o.password },
  });
  try {
    await s3
      .send(new HeadBucketCommand({ Bucket: o.bucket }))
      .catch(() => s3.send(new CreateBucketCommand({ Bucket: o.bucket })));
  } finally {
    s3.destroy();
  }
}

export type MinioStart = {
  state: 'started' | 'already-running';
  where: string;
  console: string;
  log: string;
};

/** Starts MinIO on loopback with its data under the state folder, and makes the lake's bucket. */
export async function startMinio(
  o: MinioServiceOptions = minioServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<MinioStart> {
  const result = (state: MinioStart['state']): MinioStart => ({
    state,
    where: `http://127.0.0.1:${o.port}`,
    console: `http://127.0.0.1:${o.consolePort}`,
    log: minioLogFile(),
  });
  if ((await isListening(o.port)) && (await minioAnswers(o))) {
    await ensureBucket(o);
    return result('already-running');
  }
  await assertPortFree(o.port, 'local S3 (MinIO)', 'MINIO_PORT');
  await assertPortFree(o.consolePort, 'MinIO console', 'MINIO_CONSOLE_PORT');
  const bin = ensureMinioInstalled(log);
  mkdirSync(join(dir(), 'data'), { recursive: true });
  const pid = startDaemon({
    name: 'minio',
    command: bin,
    args: [
      'server',
      join(dir(), 'data'),
      '--address',
      `127.0.0.1:${o.port}`,
      '--console-address',
      `127.0.0.1:${o.consolePort}`,
      '--quiet',
    ],
    env: { ...process.env, MINIO_ROOT_USER: o.user, MINIO_ROOT_PASSWORD: o.password, MINIO_BROWSER: 'off' },
    logFile: minioLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'MinIO', pid, pidFile: pidFile(), logFile: minioLogFile(), timeoutMs: 30_000 },
    () => minioAnswers(o),
  );
  await ensureBucket(o);
  return result('started');
}

export async function stopMinio(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 5000 });
}
