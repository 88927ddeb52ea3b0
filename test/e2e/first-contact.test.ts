import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killProcesses, markedProcesses } from '../../infra/local/leftovers';
import { cacheDir, REPO_ROOT } from '../../infra/local/paths';
import { readPid } from '../../infra/local/process';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/wait-for';

/**
 * A newcomer's first minutes, as the README says them: a fresh `git clone`, then `./platform up`,
 * as the user this suite runs as (root in CI). Its own state folder (the clone's .local, made by up
 * itself) and ports, so nothing of the suite's services is reused. The npm packages are this
 * checkout's (the clone links them): installing them is ./platform's first step, tested by every
 * CI run on its fresh clone.
 */
const MARK = 'PLATFORM_FIRST_CONTACT';

describe('./platform up on a fresh clone', () => {
  const root = mkdtempSync(join(tmpdir(), 'first-contact-'));
  // A checkout folder as git makes it: readable by others (mkdtemp makes it private).
  chmodSync(root, 0o755);
  const clone = join(root, 'platform');
  const mark = randomUUID();
  let up: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv = {};

  afterAll(() => {
    if (up?.exitCode === null && up.pid) process.kill(-up.pid, 'SIGKILL');
    if (Object.keys(env).length > 0)
      spawnSync('./platform', ['down'], { cwd: clone, env, stdio: 'ignore', timeout: 120_000 });
    killProcesses(markedProcesses(MARK, mark));
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'starts the demo, answers, stops on Ctrl-C within 10 s and leaves only the services, which down stops',
    async () => {
      const cloned = spawnSync('git', ['clone', '--quiet', REPO_ROOT, clone], { encoding: 'utf8' });
      expect(cloned.status, cloned.stderr).toBe(0);
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
      const ports = {
        KAFKA_PORT: await freePort(),
        KAFKA_CONTROLLER_PORT: await freePort(),
        TEMPORAL_PORT: await freePort(),
        TEMPORAL_UI_PORT: await freePort(),
        POSTGRES_PORT: await freePort(),
        MAIL_SMTP_PORT: await freePort(),
        MAIL_INBOX_PORT: await freePort(),
        INGEST_PORT: await freePort(),
        API_PORT: await freePort(),
        OPS_PORT: await freePort(),
      };
      // A newcomer's environment: no setting of the suite's, the machine's caches.
      env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PLATFORM_CACHE_DIR: cacheDir(),
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        [MARK]: mark,
      };
      let output = '';
      up = spawn('./platform', ['up', '--demo-days', '1'], { cwd: clone, env, detached: true });
      up.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      up.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => up?.once('exit', (code) => resolve(code)));

      await waitFor(
        async () => output,
        (o) => o.includes('The platform is up.') || up?.exitCode !== null,
        { timeoutMs: 8 * 60_000, intervalMs: 500 },
      );
      expect(output, output).toContain('The platform is up.');
      // The state folder up made stays enterable by the server's user (it was 0700 once, and
      // PostgreSQL, run as nobody under root, could not reach its cluster).
      expect(statSync(join(clone, '.local')).mode & 0o001).toBe(0o001);
      // Only what the default configuration needs was started.
      expect(output).not.toMatch(/MinIO|fake-gcs-server|BigQuery emulator/);
      // A quiet console: progress and the summary, no JSON log records, no refused demo batches.
      expect(output).not.toMatch(/^\{"t":/m);
      expect(output).not.toMatch(/refused a batch|answered 401|demo traffic/);

      const token = /demo read token\s+(\S+)/.exec(output)?.[1] as string;
      const api = `http://127.0.0.1:${ports.API_PORT}`;
      const count = async () => {
        const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
        const res = await fetch(`${api}/v1/metrics/events?from=${from}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        // An answer that is not one says why (status and message) rather than "undefined".
        expect(res.status, await res.clone().text()).toBe(200);
        return ((await res.json()) as { value: number }).value;
      };
      const seeded = await count();
      expect(seeded).toBeGreaterThan(1000); // a day of history, sealed by the batch layer
      const later = await waitFor(count, (n) => n > seeded, { timeoutMs: 3 * 60_000, intervalMs: 2000 });
      expect(later).toBeGreaterThan(seeded); // live demo traffic flows through the speed layer
      const ui = await fetch(`http://localhost:${ports.TEMPORAL_UI_PORT}/`);
      expect(ui.status).toBe(200);

      const asked = Date.now();
      process.kill(-(up.pid as number), 'SIGINT'); // Ctrl-C: the terminal signals the whole group
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('still running'), 15_000)),
      ]);
      const tookMs = Date.now() - asked;
      expect(code, output).toBe(0);
      expect(tookMs).toBeLessThan(10_000);
      expect(output).toMatch(
        /still running: Kafka, Temporal, PostgreSQL, the mail server \(\.\/platform down stops them\)/,
      );

      // What is left is exactly the services' daemons (and their children), as up said.
      const daemons = [
        'kafka/broker.pid',
        'temporal/server.pid',
        'postgres/server.pid',
        'mail/server.pid',
      ].map((f) => readPid(join(clone, '.local', f)));
      expect(daemons.every((p) => p !== undefined)).toBe(true);
      const inGroups = (pid: number) => {
        const pgid = Number(
          spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim(),
        );
        return daemons.includes(pgid);
      };
      const left = markedProcesses(MARK, mark);
      expect(left.filter((p) => !inGroups(p.pid))).toEqual([]);

      const down = spawnSync('./platform', ['down'], { cwd: clone, env, encoding: 'utf8', timeout: 120_000 });
      expect(down.status, down.stderr).toBe(0);
      await waitFor(
        async () => markedProcesses(MARK, mark),
        (l) => l.length === 0,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
    },
    15 * 60_000,
  );
});
