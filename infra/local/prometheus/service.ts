import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { ensurePrometheus } from './install';

/** How many ops ports from the first one Prometheus scrapes (one per process on the machine). */
export const OPS_PORTS_SCRAPED = 8;

export interface PrometheusOptions {
  port: number;
  /** The first ops port (OPS_PORT's default); the next ones are scraped too. */
  opsPort: number;
  scrapeSeconds: number;
}

export function prometheusOptions(env: NodeJS.ProcessEnv = process.env): PrometheusOptions {
  return {
    port: Number(env.PROMETHEUS_PORT ?? 9090),
    opsPort: Number(env.OPS_PORT ?? 9464),
    scrapeSeconds: Number(env.PROMETHEUS_SCRAPE_SECONDS ?? 5),
  };
}

const dir = () => join(stateDir(), 'prometheus');
export const prometheusLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

export async function prometheusAnswers(o: PrometheusOptions): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${o.port}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** The configuration: every ops port of this machine, the repository's alert rules. */
export function prometheusConfig(o: PrometheusOptions): string {
  const targets = Array.from({ length: OPS_PORTS_SCRAPED }, (_, i) => `'127.0.0.1:${o.opsPort + i}'`);
  return [
    'global:',
    `  scrape_interval: ${o.scrapeSeconds}s`,
    `  evaluation_interval: ${o.scrapeSeconds}s`,
    'rule_files:',
    `  - '${join(REPO_ROOT, 'infra', 'monitoring', 'alerts.yml')}'`,
    'scrape_configs:',
    '  - job_name: platform',
    '    static_configs:',
    `      - targets: [${targets.join(', ')}]`,
    '',
  ].join('\n');
}

/**
 * Starts Prometheus (Debian's package, installed when missing) on loopback, scraping the ops
 * ports of every platform process on this machine and evaluating the alert rules; its data under
 * the state folder.
 */
export async function startPrometheus(
  o: PrometheusOptions = prometheusOptions(),
  log: (line: string) => void = () => {},
): Promise<{ state: 'started' | 'already-running'; where: string; log: string }> {
  const where = `http://127.0.0.1:${o.port}`;
  if ((await isListening(o.port)) && (await prometheusAnswers(o)))
    return { state: 'already-running', where, log: prometheusLogFile() };
  await assertPortFree(o.port, 'Prometheus', 'PROMETHEUS_PORT');
  const bin = ensurePrometheus(log);
  mkdirSync(join(dir(), 'data'), { recursive: true });
  writeFileSync(join(dir(), 'prometheus.yml'), prometheusConfig(o));
  const pid = startDaemon({
    name: 'prometheus',
    command: bin.prometheus,
    args: [
      `--config.file=${join(dir(), 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir(), 'data')}`,
      `--web.listen-address=127.0.0.1:${o.port}`,
    ],
    logFile: prometheusLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'Prometheus', pid, pidFile: pidFile(), logFile: prometheusLogFile(), timeoutMs: 60_000 },
    () => prometheusAnswers(o),
  );
  return { state: 'started', where, log: prometheusLogFile() };
}

export async function stopPrometheus(): Promise<boolean> {
  return stopDaemon(pidFile());
}
