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
}

export function bigQueryServiceOptions(env: NodeJS.ProcessEnv = process.env): BigQueryServiceOptions {
  return {
    restPort: Number(env.BIGQUERY_EMULATOR_PORT ?? 9050),
    grpcPort: Number(env.BIGQUERY_EMULATOR_GRPC_PORT ?? 9060),
    projectId: env.BIGQUERY_EMULATOR_PROJECT ?? 'platform-local',
  };
}

const dir = () => join(stateDir(), 'bigquery');
export const bigQueryLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

export async function bigQueryAnswers(o: BigQueryServiceOptions): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${o.restPort}/bigquery/v2/projects/${o.projectId}/datasets`, {
      signal: AbortSignal.timeout(1000),
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
  if ((await isListening(o.restPort)) && (await bigQueryAnswers(o))) return result('already-running');
  await assertPortFree(o.restPort, 'BigQuery emulator', 'BIGQUERY_EMULATOR_PORT');
  await assertPortFree(o.grpcPort, 'BigQuery emulator (gRPC)', 'BIGQUERY_EMULATOR_GRPC_PORT');
  const { bin, home } = ensureBqEmulatorInstalled(log);
  mkdirSync(dir(), { recursive: true });
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
    env: { ...process.env, HOME: home },
    logFile: bigQueryLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'the BigQuery emulator', pid, pidFile: pidFile(), logFile: bigQueryLogFile(), timeoutMs: 60_000 },
    () => bigQueryAnswers(o),
  );
  return result('started');
}

export async function stopBigQuery(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 5000 });
}
