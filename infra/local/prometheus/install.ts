import { existsSync } from 'node:fs';
import { UserFacingError } from '../../../core/errors';
import { runStep } from '../commands';

const BIN = '/usr/bin';

/** Prometheus and promtool from Debian's `prometheus` package (PROMETHEUS_BIN_DIR overrides where). */
export function prometheusBin(env: NodeJS.ProcessEnv = process.env): {
  prometheus: string;
  promtool: string;
} {
  const dir = env.PROMETHEUS_BIN_DIR ?? BIN;
  return { prometheus: `${dir}/prometheus`, promtool: `${dir}/promtool` };
}

/**
 * Installs Debian's `prometheus` package when its binaries are missing (once per machine, like
 * PostgreSQL and Chromium): the real server the monitoring stack and its tests scrape with.
 */
export function ensurePrometheus(say: (line: string) => void = () => {}): {
  prometheus: string;
  promtool: string;
} {
  const bin = prometheusBin();
  if (existsSync(bin.prometheus) && existsSync(bin.promtool)) return bin;
  if (process.getuid?.() !== 0)
    throw new UserFacingError(
      'Prometheus is not installed (monitoring and its tests need it)',
      'run: sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus (or set PROMETHEUS_BIN_DIR)',
    );
  say("installing Prometheus from Debian's packages (once; a minute)...");
  runStep('apt-get update', 'apt-get', ['update']);
  runStep('installing prometheus', 'apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(bin.prometheus))
    throw new UserFacingError('apt-get installed prometheus but its binary is missing', `look in ${BIN}`);
  say(`  prometheus installed (${bin.prometheus})`);
  return bin;
}
