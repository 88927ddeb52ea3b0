import { setTimeout as sleep } from 'node:timers/promises';
import { UserFacingError } from '../../core/errors';
import { localFiles } from '../../core/files/local-files';
import { loggedRoles, logDir, roleLogFile } from '../../infra/local/logs';

/** One JSON record as a readable line: time, level, role, message, then the other fields. */
export function readableLine(json: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json; // a library's own line (stderr): shown as it is
  }
  if (r === null || typeof r !== 'object' || typeof r.msg !== 'string') return json;
  const { t, level, msg, role, ...rest } = r;
  delete rest.process; // every record of up carries it: noise on every line
  const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  return `${String(t ?? '').slice(11, 23)} ${String(level ?? '').padEnd(5)} ${String(role ?? 'platform').padEnd(8)} ${msg}${fields}`;
}

/**
 * `logs [role] [--follow]`: what `./platform up` wrote under .local/logs/, one role's or every
 * role's (the last 200 lines each), readable; --follow keeps printing new lines until Ctrl-C.
 */
export async function logsCommand(role: string | undefined, follow: boolean): Promise<number> {
  const roles = loggedRoles();
  if (roles.length === 0) {
    console.log(`no logs yet in ${logDir()}: ./platform up writes them`);
    return 0;
  }
  if (role !== undefined && !roles.includes(role))
    throw new UserFacingError(`no log for '${role}' in ${logDir()}`, `logs here: ${roles.join(', ')}`);
  const files = (role ? [role] : roles).map((r) => roleLogFile(r));
  const printed = new Map<string, number>();
  const print = (file: string, last?: number) => {
    const text = localFiles.readTextIfExists(file) ?? '';
    const from = printed.get(file) ?? 0;
    const lines = text.slice(from).split('\n').filter(Boolean);
    printed.set(file, text.length);
    for (const l of last === undefined ? lines : lines.slice(-last)) console.log(readableLine(l));
  };
  for (const f of files) {
    if (!role) console.log(`== ${f}`);
    print(f, 200);
  }
  while (follow) {
    await sleep(500);
    for (const f of files) print(f);
  }
  return 0;
}
