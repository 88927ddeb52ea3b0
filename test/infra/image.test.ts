import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import { buildImageFiles } from '../../infra/image/build';
import { REPO_ROOT } from '../../infra/local/paths';
import { exited, roleEnv } from '../helpers/child-role';
import { freePort } from '../helpers/free-port';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * The production image cannot be built here (no container engine): this runs the build steps its
 * Dockerfile runs, then starts roles from their output with the production dependencies alone
 * (linked from this checkout's node_modules as `npm install --omit=dev` would choose them), by
 * node, without tsx.
 */
describe('the production image', () => {
  const out = mkdtempSync(join(tmpdir(), 'image-'));
  let config: Config;
  let role: ChildProcess | undefined;

  beforeAll(async () => {
    await requireServices();
    buildImageFiles(out);
    const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .map((p) => relative(join(REPO_ROOT, 'node_modules'), p))
      .filter((p) => p !== '' && !p.startsWith('..') && !p.includes('node_modules'));
    for (const p of prod) {
      mkdirSync(dirname(join(out, 'node_modules', p)), { recursive: true });
      symlinkSync(join(REPO_ROOT, 'node_modules', p), join(out, 'node_modules', p));
    }
    config = isolatedConfig('image');
  }, 180_000);
  afterAll(async () => {
    if (role && role.exitCode === null) {
      role.kill('SIGKILL');
      await exited(role);
    }
    rmSync(out, { recursive: true, force: true });
  });

  it('holds compiled JavaScript and the files read at run time: no tests, benches or TypeScript of the roles', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (f === 'node_modules') continue;
        if (statSync(p).isDirectory()) walk(p);
        else files.push(relative(out, p));
      }
    };
    walk(out);
    expect(files).toContain('cli/main.js');
    expect(files).toContain('workflows/workflows.js');
    expect(files.filter((f) => /(^|\/)(test|bench)\//.test(f) || /\.test\.js$/.test(f))).toEqual([]);
    // TypeScript only where the serving role bundles it at start (the web app's sources).
    expect(files.filter((f) => f.endsWith('.ts') && !f.startsWith('web/'))).toEqual([]);
    expect(files.some((f) => f.startsWith('sql/postgres/'))).toBe(true);
    expect(files.some((f) => f.startsWith('core/schemas/events/') && f.endsWith('.json'))).toBe(true);
    const prodDeps = readdirSync(join(out, 'node_modules'));
    // (typescript itself is in: @nestjs/swagger depends on it)
    for (const dev of ['tsx', 'vitest', 'playwright-core', 'eslint', '@cdktf'])
      expect(prodDeps).not.toContain(dev);
  });

  it('runs the roles by node with production dependencies only: the API, the collector and the batch worker answer', async () => {
    const [api, ingest] = [await freePort(), await freePort()];
    let stderr = '';
    role = spawn(process.execPath, ['cli/main.js', 'run', 'serve,ingest,worker'], {
      cwd: out,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...roleEnv(config, { API_PORT: String(api), INGEST_PORT: String(ingest), LOG_LEVEL: 'info' }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    role.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const health = async (port: number) =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => 0,
      );
    expect(
      await waitFor(
        () => health(api),
        (s) => s === 200 || role?.exitCode !== null,
        { timeoutMs: 120_000, intervalMs: 500 },
      ),
      stderr,
    ).toBe(200);
    expect(
      await waitFor(
        () => health(ingest),
        (s) => s === 200,
        { timeoutMs: 30_000, intervalMs: 500 },
      ),
      stderr,
    ).toBe(200);
    // The worker bundled the compiled workflows and polls its task queue.
    await waitFor(
      async () => stderr,
      (s) => s.includes('batch worker running'),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(stderr).toContain('batch worker running');
    const page = await fetch(`http://127.0.0.1:${api}/`);
    expect(page.status).toBe(200);
    role.kill('SIGTERM');
    await exited(role);
    expect(stderr).not.toMatch(/Cannot find module|MODULE_NOT_FOUND/);
  }, 240_000);

  it('is built by the Dockerfile with these steps, run as a non-root user, entered by node', () => {
    const docker = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(docker).toContain('infra/image/build.ts /app');
    expect(docker).toMatch(/npm install --omit=dev/);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toMatch(/^ENTRYPOINT \["node", "cli\/main\.js"\]$/m);
  });
});
