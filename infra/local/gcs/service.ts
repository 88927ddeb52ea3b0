import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { ensureFakeGcsInstalled } from './install';

export interface GcsServiceOptions {
  port: number;
  /** Made at start when missing: the lake's bucket for local runs and tests. */
  bucket: string;
}

export function gcsServiceOptions(env: NodeJS.ProcessEnv = process.env): GcsServiceOptions {
  return { port: Number(env.FAKE_GCS_PORT ?? 4443), bucket: env.FAKE_GCS_BUCKET ?? 'lake' };
}

/** The settings that point the platform's lake at this local GCS. */
export function gcsLakeEnv(o: GcsServiceOptions = gcsServiceOptions(), prefix = ''): Record<string, string> {
  return {
    LAKE_URL: `gs://${o.bucket}${prefix ? `/${prefix}` : ''}`,
    LAKE_GCS_ENDPOINT: `http://127.0.0.1:${o.port}`,
    LAKE_GCS_PROJECT: 'platform-local',
    // fake-gcs-server checks no signature; DuckDB needs a key to sign with.
    LAKE_GCS_HMAC_KEY_ID: 'platform-local',
    LAKE_GCS_HMAC_SECRET: 'platform-local-secret',
  };
}

const dir = () => join(stateDir(), 'fake-gcs');
export const gcsLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

const client = (o: GcsServiceOptions) =>
  new Storage({ apiEndpoint: `http://127.0.0.1:${o.port}`, projectId: 'platform-local' });

export async function gcsAnswers(o: GcsServiceOptions): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${o.port}/storage/v1/b`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function ensureBucket(o: GcsServiceOptions): Promise<void> {
  const bucket = client(o).bucket(o.bucket);
  const [exists] = await bucket.exists();
  if (!exists) await bucket.create();
}

export type GcsStart = { state: 'started' | 'already-running'; where: string; log: string };

/** Starts fake-gcs-server on loopback, objects kept under the state folder, and makes the bucket. */
export async function startGcs(
  o: GcsServiceOptions = gcsServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<GcsStart> {
  const result = (state: GcsStart['state']): GcsStart => ({
    state,
    where: `http://127.0.0.1:${o.port}`,
    log: gcsLogFile(),
  });
  if ((await isListening(o.port)) && (await gcsAnswers(o))) {
    await ensureBucket(o);
    return result('already-running');
  }
  await assertPortFree(o.port, 'local GCS (fake-gcs-server)', 'FAKE_GCS_PORT');
  const bin = ensureFakeGcsInstalled(log);
  mkdirSync(join(dir(), 'data'), { recursive: true });
  const pid = startDaemon({
    name: 'fake-gcs-server',
    command: bin,
    args: [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(o.port),
      '-public-host',
      `127.0.0.1:${o.port}`,
      '-backend',
      'filesystem',
      '-filesystem-root',
      join(dir(), 'data'),
      '-log-level',
      'warn',
    ],
    logFile: gcsLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'fake-gcs-server', pid, pidFile: pidFile(), logFile: gcsLogFile(), timeoutMs: 30_000 },
    () => gcsAnswers(o),
  );
  await ensureBucket(o);
  return result('started');
}

export async function stopGcs(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 5000 });
}
