import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserFacingError } from '../../core/errors';

/** A long-running local service started detached, tracked by a pid file. */
export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the daemon in its own process group so it outlives the CLI that started it. */
export function startDaemon(spec: DaemonSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
    ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
  });
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  writeFileSync(spec.pidFile, String(child.pid));
  return child.pid;
}

/**
 * Stops the daemon's process group: SIGTERM, then SIGKILL after `graceMs`.
 * `signal: 'SIGKILL'` kills at once (fault-injection tests).
 */
export async function stopDaemon(
  pidFile: string,
  opts: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<boolean> {
  const pid = readPid(pidFile);
  if (!isAlive(pid) || pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  // The whole group, not only its leader: a launcher (tsx) may exit before the server it started,
  // which would then outlive the stop with no parent.
  const groupAlive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return isAlive(pid);
    }
  };
  kill(opts.signal ?? 'SIGTERM');
  const deadline = Date.now() + (opts.graceMs ?? 20_000);
  while (groupAlive() && Date.now() < deadline) await sleep(100);
  if (groupAlive()) kill('SIGKILL');
  // Bounded: a member already dead but not yet reaped by its parent still answers signal 0.
  const killedBy = Date.now() + 10_000;
  while (groupAlive() && Date.now() < killedBy) await sleep(50);
  rmSync(pidFile, { force: true });
  return true;
}

/** Polls `probe` until it resolves true or `timeoutMs` passes. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  stillRunning: () => boolean = () => true,
): Promise<'ready' | 'timeout' | 'exited'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return 'ready';
    if (!stillRunning()) return 'exited';
    await sleep(250);
  }
  return 'timeout';
}

/** The last lines of a log file, for error messages that point at the cause. */
export function tail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Waits until a just-started daemon answers; if it exits or stays silent, stops it and fails with
 * one line pointing at its log.
 */
export async function awaitDaemonReady(
  d: { what: string; pid: number; pidFile: string; logFile: string; timeoutMs: number },
  answers: () => Promise<boolean>,
): Promise<void> {
  const outcome = await waitUntil(answers, d.timeoutMs, () => isAlive(d.pid));
  if (outcome === 'ready') return;
  await stopDaemon(d.pidFile, { graceMs: 2000 });
  throw new UserFacingError(
    outcome === 'exited' ? `${d.what} exited during start-up` : `${d.what} did not answer in time`,
    `read ${d.logFile}; last line: ${tail(d.logFile, 1)}`,
  );
}
