import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseTree, writeJsonTree, type HclModule } from './hcl';
import { terraformCheckScript, terraformPython, tflintBinary } from './install';

/** What Terraform and tflint say of a configuration tree. Each list is empty when all is well. */
export interface TerraformFindings {
  /** Files `terraform fmt -check -recursive` would change, or its parse error. */
  fmt: string[];
  /** Errors and warnings of Terraform's configuration loader, as "<module>: <summary>: <detail>". */
  load: string[];
  /** tflint's findings (bundled terraform ruleset), one line each. */
  tflint: string[];
  /** Required providers each module declares: module => provider => has a version constraint. */
  providers: Record<string, Record<string, boolean>>;
  /** The tree as parsed HCL, for the contract checks. */
  modules: HclModule[];
}

function run(cmd: string, args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function python(args: string[], cwd: string): unknown {
  const r = run(terraformPython(), [terraformCheckScript, ...args], cwd);
  if (r.status !== 0) throw new Error(`terraform-check.py ${args[0]} failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

export async function checkTerraform(rootDir: string): Promise<TerraformFindings> {
  const root = resolve(rootDir);
  const fmt = python(['fmt', root], root) as { files: string[]; error: string };
  let modules: HclModule[];
  try {
    modules = await parseTree(root);
  } catch (e) {
    // A file HCL cannot parse: nothing further can be checked.
    return {
      fmt: fmt.error ? [fmt.error] : fmt.files,
      load: [`parse: ${(e as Error).message}`],
      tflint: [],
      providers: {},
      modules: [],
    };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'terraform-json-'));
  const load: string[] = [];
  const providers: TerraformFindings['providers'] = {};
  try {
    const dirs = writeJsonTree(modules, tmp);
    const loaded = python(['load', ...dirs], root) as Record<
      string,
      {
        diagnostics: { severity: string; summary: string; detail: string }[];
        providers: Record<string, { constraints: boolean }>;
      }
    >;
    for (const [dir, r] of Object.entries(loaded)) {
      const name = relative(tmp, dir) || '.';
      for (const d of r.diagnostics)
        load.push(`${name}: ${d.severity}: ${d.summary}: ${d.detail ?? ''}`.trim());
      providers[name] = Object.fromEntries(Object.entries(r.providers).map(([p, v]) => [p, v.constraints]));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const lint = run(
    tflintBinary(),
    ['--recursive', `--config=${join(root, '.tflint.hcl')}`, '--format=compact'],
    root,
  );
  const tflint =
    lint.status === 0
      ? []
      : [...lint.stdout.split('\n'), ...lint.stderr.split('\n')].filter(
          (l) => l.trim() && !/issue\(s\) found/.test(l),
        );
  return {
    fmt: fmt.error ? [fmt.error] : fmt.files,
    load,
    tflint,
    providers,
    modules,
  };
}
