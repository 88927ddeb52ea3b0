import cluster from 'node:cluster';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { createLogger } from '../../core/log';
import { clusterMetrics } from '../../core/ops/operational-metrics';
import { startOpsServer } from '../../core/ops/ops-server';
import { parseRoles, startRoles } from '../roles';

/**
 * Runs the named roles in this process (scale-out: one role per process, many processes).
 * `--workers N` runs N copies of a stateless role (ingest) sharing its port, one per core.
 */
export async function runCommand(roleArgs: string[], workers = 1): Promise<number> {
  const roles = parseRoles(roleArgs);
  if (workers > 1 && cluster.isPrimary) {
    if (roles.length !== 1 || roles[0] !== 'ingest') {
      throw new UserFacingError(
        '--workers applies to the ingest role alone',
        'run: ./platform run ingest --workers 2',
      );
    }
    // The workers' metrics, summed, on the primary's ops port (workers serve none of their own).
    const ops = await startOpsServer(loadConfig().ops, clusterMetrics);
    for (let i = 0; i < workers; i++) cluster.fork();
    const exits = new Promise<number>((resolve) => {
      let alive = workers;
      cluster.on('exit', (_w, code) => {
        if (--alive === 0) void ops.close().then(() => resolve(code ?? 0));
      });
    });
    const stop = () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGINT');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return exits;
  }
  const config = loadConfig();
  const log = createLogger({ process: roles.join('+') });
  const running = await startRoles(roles, config, log);
  log.info('roles running', { roles, ...running.urls });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return 0;
}
