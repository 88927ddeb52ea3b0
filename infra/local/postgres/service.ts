import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { UserFacingError } from '../../../core/errors';
import { stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';
import { ensurePostgres } from './install';

export interface PostgresServiceOptions {
  port: number;
  /** The superuser initdb creates (trust authentication on loopback: a development server). */
  user: string;
  /** The platform's database, made at start. */
  database: string;
  /** Where the cluster, its log and pid file live (tests run a server of their own elsewhere). */
  dir: string;
}

export function postgresServiceOptions(env: NodeJS.ProcessEnv = process.env): PostgresServiceOptions {
  return {
    port: Number(env.POSTGRES_PORT ?? 5432),
    user: env.POSTGRES_USER ?? 'platform',
    database: env.POSTGRES_DB ?? 'platform',
    dir: clusterDir(env),
  };
}

/**
 * Where the cluster lives: under the state folder, unless the platform runs as root inside a folder
 * the server's user (`nobody`) cannot enter, such as root's own home (0700). The server cannot
 * reach a cluster there, and opening another user's folders is not ours to do: the cluster then
 * lives under /var/lib/lambda-analytics-platform/<checkout's id>/postgres, which the server's user
 * can reach, and `up` names it.
 */
function clusterDir(env: NodeJS.ProcessEnv): string {
  const state = resolve(stateDir(env));
  const inState = join(state, 'postgres');
  const user = serverUser();
  if (!user || canEnter(dirname(state), user)) return inState;
  const id = createHash('sha256').update(state).digest('hex').slice(0, 12);
  return join('/var/lib/lambda-analytics-platform', id, 'postgres');
}

const entered = new Map<string, boolean>();
/** Whether `user` can walk from / into `dir` (every folder on the way searchable). */
function canEnter(dir: string, user: { uid: number; gid: number }): boolean {
  let ok = entered.get(dir);
  if (ok === undefined) {
    ok = spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid }).status === 0;
    entered.set(dir, ok);
  }
  return ok;
}

/** DATABASE_URL of the local server. */
export const postgresUrl = (o: PostgresServiceOptions = postgresServiceOptions(), database = o.database) =>
  `postgres://${o.user}@127.0.0.1:${o.port}/${database}`;

const dataDir = (o: PostgresServiceOptions) => join(o.dir, 'data');
export const postgresLogFile = (o: PostgresServiceOptions = postgresServiceOptions()) =>
  join(o.dir, 'server.log');
export const postgresPidFile = (o: PostgresServiceOptions = postgresServiceOptions()) =>
  join(o.dir, 'server.pid');

/** PostgreSQL refuses to run as root: as root, the server runs as `nobody`. */
let nobody: { uid: number; gid: number } | undefined;
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  nobody ??= { uid: id('-u'), gid: id('-g') };
  return nobody;
}

export async function postgresAnswers(o: PostgresServiceOptions, database = 'postgres'): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl(o, database), connectionTimeoutMillis: 1000 });
  client.on('error', () => {}); // a server going away while asked is "not answering", not a crash
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The server's user must walk from `/` to its cluster. The folders of the state folder are the
 * platform's own: they are opened to others for traversal (`o+x`, not reading), whatever made them
 * first. A folder above the state folder is the user's: it is named, with the command that opens it.
 */
function ensureReachable(o: PostgresServiceOptions, user: { uid: number; gid: number }): void {
  const own = resolve(stateDir());
  const folders: string[] = [];
  for (let d = resolve(o.dir); ; d = dirname(d)) {
    folders.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const d of folders) {
    if (!existsSync(d)) mkdirSync(d, { mode: 0o755 });
    const ours = d === own || d.startsWith(`${own}/`) || d === resolve(o.dir);
    const st = statSync(d);
    if (ours && (st.mode & 0o001) === 0) chmodSync(d, (st.mode & 0o777) | 0o011);
    entered.delete(d);
    if (!canEnter(d, user))
      throw new UserFacingError(
        `PostgreSQL runs as 'nobody' when the platform runs as root, and 'nobody' cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)})`,
        `run: chmod o+x ${d}   (or set PLATFORM_STATE_DIR to a folder 'nobody' can reach)`,
      );
  }
}

/** Creates the cluster once under the state folder (initdb), owned by the server's user. */
function ensureCluster(bin: string, o: PostgresServiceOptions, say: (line: string) => void): void {
  const user = serverUser();
  if (user) ensureReachable(o, user);
  if (existsSync(join(dataDir(o), 'PG_VERSION'))) return;
  // The folders above it stay traversable (the server's user walks through them); the cluster's own is 0700.
  mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  chmodSync(o.dir, 0o755);
  mkdirSync(dataDir(o), { mode: 0o700 });
  if (user) chownSync(dataDir(o), user.uid, user.gid);
  say(`  creating the PostgreSQL cluster in ${dataDir(o)} (once)...`);
  const r = spawnSync(
    join(bin, 'initdb'),
    ['-D', dataDir(o), '-U', o.user, '--auth=trust', '--encoding=UTF8', '--locale=C'],
    { encoding: 'utf8', ...(user ? { uid: user.uid, gid: user.gid } : {}) },
  );
  if (r.status !== 0)
    throw new UserFacingError(
      `initdb failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`,
      `remove ${dataDir(o)} and start again`,
    );
}

async function ensureDatabase(o: PostgresServiceOptions): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(o, 'postgres') });
  client.on('error', () => {});
  await client.connect();
  try {
    // An identifier, not a value: checked before anything is asked, then quoted.
    if (!/^\w+$/.test(o.database))
      throw new UserFacingError(`POSTGRES_DB must be a plain name (got '${o.database}')`);
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [o.database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${o.database}"`);
  } finally {
    await client.end();
  }
}

export type PostgresStart = { state: 'started' | 'already-running'; where: string; log: string };

/**
 * Starts PostgreSQL (Debian's server) on loopback, its cluster under the state folder, TCP only,
 * and makes the platform's database. The platform applies its migrations when it connects.
 */
export async function startPostgres(
  o: PostgresServiceOptions = postgresServiceOptions(),
  say: (line: string) => void = () => {},
): Promise<PostgresStart> {
  const result = (state: PostgresStart['state']): PostgresStart => ({
    state,
    where: postgresUrl(o),
    log: postgresLogFile(o),
  });
  if ((await isListening(o.port)) && (await postgresAnswers(o))) {
    await ensureDatabase(o);
    return result('already-running');
  }
  await assertPortFree(o.port, 'PostgreSQL', 'POSTGRES_PORT');
  const bin = ensurePostgres(say);
  ensureCluster(bin, o, say);
  const user = serverUser();
  const pid = startDaemon({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: [
      '-D',
      dataDir(o),
      '-p',
      String(o.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    logFile: postgresLogFile(o),
    pidFile: postgresPidFile(o),
    ...(user ? { user } : {}),
  });
  await awaitDaemonReady(
    { what: 'PostgreSQL', pid, pidFile: postgresPidFile(o), logFile: postgresLogFile(o), timeoutMs: 60_000 },
    () => postgresAnswers(o),
  );
  await ensureDatabase(o);
  return result('started');
}

export async function stopPostgres(
  o: PostgresServiceOptions = postgresServiceOptions(),
  opts: { signal?: NodeJS.Signals } = {},
): Promise<boolean> {
  // SIGINT: PostgreSQL's fast shutdown (SIGTERM waits for every client to leave).
  return stopDaemon(postgresPidFile(o), { graceMs: 20_000, signal: opts.signal ?? 'SIGINT' });
}
