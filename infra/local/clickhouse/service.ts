import { join, resolve } from 'node:path';
import { localFiles } from '../../../core/files/local-files';
import { stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { ensureClickHouseInstalled } from './install';

export interface ClickHouseServiceOptions {
  httpPort: number;
  /** The native protocol's port (9000 upstream, which MinIO has here). */
  tcpPort: number;
}

export function clickHouseServiceOptions(env: NodeJS.ProcessEnv = process.env): ClickHouseServiceOptions {
  return {
    httpPort: Number(env.CLICKHOUSE_HTTP_PORT ?? 8123),
    tcpPort: Number(env.CLICKHOUSE_TCP_PORT ?? 9101),
  };
}

/** What CLICKHOUSE_URL is for the local server. */
export const clickHouseUrl = (o: ClickHouseServiceOptions = clickHouseServiceOptions()) =>
  `http://127.0.0.1:${o.httpPort}`;

const dir = () => join(stateDir(), 'clickhouse');
export const clickHouseLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

/** Whether the server answers its HTTP ping within `timeoutMs`. */
export async function clickHouseAnswers(
  o: ClickHouseServiceOptions = clickHouseServiceOptions(),
  timeoutMs = 1000,
): Promise<boolean> {
  try {
    const res = await fetch(`${clickHouseUrl(o)}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export type ClickHouseStart = { state: 'started' | 'already-running'; where: string; log: string };

/**
 * Starts a ClickHouse server on loopback (HTTP and native protocol), its data kept in the state
 * folder across restarts. The speed layer uses it when CLICKHOUSE_URL names it (server mode);
 * `./platform up` runs ClickHouse in-process (chDB) and needs none.
 */
export async function startClickHouse(
  o: ClickHouseServiceOptions = clickHouseServiceOptions(),
  log: (line: string) => void = () => {},
): Promise<ClickHouseStart> {
  const result = (state: ClickHouseStart['state']): ClickHouseStart => ({
    state,
    where: clickHouseUrl(o),
    log: clickHouseLogFile(),
  });
  if ((await isListening(o.httpPort)) && (await clickHouseAnswers(o))) return result('already-running');
  await assertPortFree(o.httpPort, 'ClickHouse (HTTP)', 'CLICKHOUSE_HTTP_PORT');
  await assertPortFree(o.tcpPort, 'ClickHouse (native protocol)', 'CLICKHOUSE_TCP_PORT');
  const python = ensureClickHouseInstalled(log);
  const work = join(dir(), 'work');
  localFiles.ensureDir(work);
  localFiles.ensureDir(join(dir(), 'data'));
  localFiles.writeAtomically(
    join(work, 'config.xml'),
    `<clickhouse>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${o.httpPort}</http_port>
    <tcp_port>${o.tcpPort}</tcp_port>
</clickhouse>
`,
  );
  const pid = startDaemon({
    name: 'clickhouse',
    command: python,
    args: [resolve(__dirname, 'serve.py'), work, join(dir(), 'data')],
    env: process.env,
    logFile: clickHouseLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'ClickHouse', pid, pidFile: pidFile(), logFile: clickHouseLogFile(), timeoutMs: 60_000 },
    () => clickHouseAnswers(o),
  );
  return result('started');
}

export async function stopClickHouse(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 5000 });
}
