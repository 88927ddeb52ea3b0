import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { ensureBqEmulatorInstalled } from './install';

export interface BigQueryServiceOptions {
  restPort: number;
  grpcPort: number;
  projectId: string;
  /** The batch layer's dataset (BIGQUERY_DATASET), created at start as operators do in production. */
  dataset: string;
}

export function bigQueryServiceOptions(env: NodeJS.ProcessEnv = process.env): BigQueryServiceOptions {
  return {
    restPort: Number(env.BIGQUERY_EMULATOR_PORT ?? 9050),
    grpcPort: Number(env.BIGQUERY_EMULATOR_GRPC_PORT ?? 9060),
    projectId: env.BIGQUERY_EMULATOR_PROJECT ?? 'platform-local',
    dataset: env.BIGQUERY_DATASET ?? 'analytics_batch',
  };
}

const dir = () => join(stateDir(), 'bigquery');
export const bigQueryLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');
/**
 * The folder the emulator reads gs://<bucket>/<key> from, as <folder>/<bucket>/<key>: the
 * stand-in for the Cloud Storage bucket BigQuery load jobs read their files from.
 */
export const bigQueryGcsRoot = () => join(dir(), 'gcs');

/**
 * Whether the emulator answers within `timeoutMs`. It serves one request at a time: while another
 * client's query runs, an emulator that is up can take seconds to answer.
 */
export async function bigQueryAnswers(o: BigQueryServiceOptions, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${o.restPort}/bigquery/v2/projects/${o.projectId}/datasets`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok;
  } catch {
    return false;
  }
}

export type BigQueryStart = { state: 'started' | 'already-running'; where: string; log: string };

/** Starts the BigQuery emulator on loopback (REST and the Storage gRPC API), data kept in memory. */
export async function startBigQuery(
  o: BigQueryServiceOptions = bigQueryServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<BigQueryStart> {
  const result = (state: BigQueryStart['state']): BigQueryStart => ({
    state,
    where: `http://127.0.0.1:${o.restPort}`,
    log: bigQueryLogFile(),
  });
  if ((await isListening(o.restPort)) && (await bigQueryAnswers(o))) {
    await ensureDataset(o);
    return result('already-running');
  }
  await assertPortFree(o.restPort, 'BigQuery emulator', 'BIGQUERY_EMULATOR_PORT');
  await assertPortFree(o.grpcPort, 'BigQuery emulator (gRPC)', 'BIGQUERY_EMULATOR_GRPC_PORT');
  const { bin, home } = ensureBqEmulatorInstalled(log);
  mkdirSync(bigQueryGcsRoot(), { recursive: true });
  const pid = startDaemon({
    name: 'bqemulator',
    command: bin,
    args: [
      'start',
      '--rest-port',
      String(o.restPort),
      '--grpc-port',
      String(o.grpcPort),
      '--project',
      o.projectId,
    ],
    // Load jobs name gs:// URIs; the emulator reads them under this folder (bigQueryStagingDir).
    env: { ...process.env, HOME: home, BQEMU_GCS_LOCAL_ROOT: bigQueryGcsRoot() },
    logFile: bigQueryLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'the BigQuery emulator', pid, pidFile: pidFile(), logFile: bigQueryLogFile(), timeoutMs: 60_000 },
    () => bigQueryAnswers(o),
  );
  await ensureDataset(o);
  return result('started');
}

/** Creates the batch dataset (the emulator keeps data in memory: every start begins empty). */
async function ensureDataset(o: BigQueryServiceOptions): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${o.restPort}/bigquery/v2/projects/${o.projectId}/datasets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ datasetReference: { projectId: o.projectId, datasetId: o.dataset } }),
  });
  if (!res.ok && res.status !== 409)
    throw new Error(`the BigQuery emulator refused to create dataset ${o.dataset}: ${await res.text()}`);
}

export async function stopBigQuery(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 5000 });
}
