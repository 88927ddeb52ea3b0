/**
 * What the production image holds, built into a folder (the Dockerfile's build stage runs this;
 * `test/infra/image.test.ts` runs it too, and starts roles from its output with production
 * dependencies only): the roles compiled to JavaScript by tsc, the files they read at run time
 * (SQL, the events' JSON Schemas, the web app's sources, which the serving role bundles at start),
 * package.json and the lock file. No tests, benches, TypeScript of the roles, or tsx.
 *
 *   node node_modules/tsx/dist/cli.mjs infra/image/build.ts <out folder>
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../local/paths';

export function buildImageFiles(out: string, say: (line: string) => void = () => {}): void {
  const dest = resolve(out);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  say(`compiling the roles to JavaScript into ${dest} (tsc)...`);
  const tsc = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      dest,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  say('copying what the roles read at run time...');
  cpSync(join(REPO_ROOT, 'sql'), join(dest, 'sql'), { recursive: true });
  const schemas = join(REPO_ROOT, 'core', 'schemas', 'events');
  cpSync(schemas, join(dest, 'core', 'schemas', 'events'), {
    recursive: true,
    filter: (src) => !src.endsWith('.ts'),
  });
  cpSync(join(REPO_ROOT, 'web'), join(dest, 'web'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, f), join(dest, f));
  say(`built: ${readdirSync(dest).join(', ')}`);
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: infra/image/build.ts <out folder>');
    process.exit(2);
  }
  buildImageFiles(out, (l) => console.log(l));
}
