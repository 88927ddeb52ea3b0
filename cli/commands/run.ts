import { loadConfig } from '../../core/config';
import { createLogger } from '../../core/log';
import { parseRoles, startRoles } from '../roles';

/** Runs the named roles in this process (scale-out: one role per process, many processes). */
export async function runCommand(roleArgs: string[]): Promise<number> {
  const roles = parseRoles(roleArgs);
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
