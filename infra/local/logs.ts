import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setLogSink, type LogRecord } from '../../core/log';
import { stateDir } from './paths';

/** Where `./platform up` writes the roles' and libraries' logs: one file per role. */
export const logDir = (env: NodeJS.ProcessEnv = process.env) => join(stateDir(env), 'logs');

/** The file of a role's records; `platform` holds what belongs to no role (libraries, the CLI). */
export const roleLogFile = (role: string, env: NodeJS.ProcessEnv = process.env) =>
  join(logDir(env), `${role.replace(/[^\w-]/g, '_')}.log`);

/** The roles that have a log file, for `./platform logs`. */
export function loggedRoles(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = logDir(env);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => f.slice(0, -'.log'.length))
    .sort();
}

export interface RoutedLogs {
  dir: string;
  /** Records of each level seen so far, for the summary on exit. */
  counts: { warn: number; error: number };
  restore(): void;
}

/**
 * Sends every record of this process's loggers to `.local/logs/<role>.log` (JSON lines), and what
 * libraries write to stderr (Temporal's core, kafkajs' retries, warnings of Node) to `platform.log`.
 * The console keeps progress and one line per real problem: `problem` receives each error-level
 * record, already shortened. Appends are synchronous: a record is on disk before a crash can lose it.
 */
export function routeLogsToFiles(problem: (line: string) => void): RoutedLogs {
  const dir = logDir();
  mkdirSync(dir, { recursive: true });
  const counts = { warn: 0, error: 0 };
  const previousSink = setLogSink((record: LogRecord, line: string) => {
    const role = typeof record.role === 'string' ? record.role : 'platform';
    appendFileSync(roleLogFile(role), line);
    if (record.level === 'warn') counts.warn++;
    if (record.level === 'error') {
      counts.error++;
      problem(`problem in ${role}: ${record.msg} (details: ${roleLogFile(role)})`);
    }
  });
  const stderrWrite = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    appendFileSync(roleLogFile('platform'), chunk);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stderr.write;
  return {
    dir,
    counts,
    restore() {
      setLogSink(previousSink);
      process.stderr.write = stderrWrite;
    },
  };
}
