import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../../core/temporal/search-attributes';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { stateDir } from '../paths';
import { ensureTemporalInstalled } from './install';

export interface TemporalServiceOptions {
  port: number;
  uiPort: number;
  namespace: string;
  readyTimeoutMs?: number;
}

export function temporalServiceOptions(env: NodeJS.ProcessEnv = process.env): TemporalServiceOptions {
  return {
    port: Number(env.TEMPORAL_PORT ?? 7233),
    uiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
  };
}

const dir = () => join(stateDir(), 'temporal');
export const temporalLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

/** The frontend answers a real RPC (not just an open port) and the Web UI serves its page. */
export async function temporalAnswers(o: TemporalServiceOptions): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: `localhost:${o.port}`, connectTimeout: 1000 });
    await connection.workflowService.getSystemInfo({});
    const ui = await fetch(`http://localhost:${o.uiPort}/`, { signal: AbortSignal.timeout(1000) });
    return ui.ok;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

export type StartResult = { state: 'started' | 'already-running'; where: string; ui: string; log: string };

/** Starts `temporal server start-dev` with a database file so history survives restarts. */
export async function startTemporal(
  o: TemporalServiceOptions = temporalServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<StartResult> {
  const result = (state: StartResult['state']): StartResult => ({
    state,
    where: `localhost:${o.port}`,
    ui: `http://localhost:${o.uiPort}`,
    log: temporalLogFile(),
  });
  if (await isListening(o.port)) {
    if (await temporalAnswers(o)) return result('already-running');
  }
  await assertPortFree(o.port, 'Temporal frontend', 'TEMPORAL_PORT');
  await assertPortFree(o.uiPort, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
  const bin = ensureTemporalInstalled(log);
  mkdirSync(dir(), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(dir(), 'temporal.db'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--ui-port',
    String(o.uiPort),
    '--namespace',
    o.namespace,
    '--ui-disable-news-fetch',
    '--log-level',
    'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
  ];
  const pid = startDaemon({
    name: 'temporal',
    command: bin,
    args,
    logFile: temporalLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    {
      what: 'the Temporal dev server',
      pid,
      pidFile: pidFile(),
      logFile: temporalLogFile(),
      timeoutMs: o.readyTimeoutMs ?? 60_000,
    },
    () => temporalAnswers(o),
  );
  return result('started');
}

export async function stopTemporal(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 15_000 });
}
