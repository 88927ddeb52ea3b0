import { ESLint } from 'eslint';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/local/paths';

/** Every relative import of the production files under `top`: the importing file and the imported path (no extension). */
function eachImport(top: string, each: (file: string, imported: string) => void): void {
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const path = join(dir, f);
      if (statSync(path).isDirectory()) walk(path);
      else if (f.endsWith('.ts') && !f.endsWith('.test.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g))
          each(relative(REPO_ROOT, path), relative(REPO_ROOT, resolve(dir, m[1] as string)));
    }
  };
  walk(join(REPO_ROOT, top));
}

const add = (graph: Map<string, Set<string>>, from: string, to: string) =>
  graph.set(from, (graph.get(from) ?? new Set()).add(to));

/** Folder -> folders its production files import (type imports too), from the sources themselves. */
function folderGraph(depth: (folder: string) => string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const top of [
    'core',
    'ingest',
    'speed-layer',
    'batch-layer',
    'workflows',
    'serving-layer',
    'cli',
    'infra',
  ])
    eachImport(top, (file, imported) => {
      const from = depth(dirname(file));
      const to = depth(dirname(imported));
      if (from !== to) add(graph, from, to);
    });
  return graph;
}

/** File -> files of the same top folder it imports (type imports too), production files only. */
function fileGraph(top: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  eachImport(top, (file, imported) => {
    if (imported.startsWith(`${top}/`)) add(graph, file, `${imported}.ts`);
  });
  return graph;
}

/** The first cycle found in a graph, or undefined. */
function cycleIn(graph: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (path.includes(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return undefined;
    for (const next of graph.get(node) ?? []) {
      const found = visit(next, [...path, node]);
      if (found) return found;
    }
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node, []);
    if (found) return found;
  }
  return undefined;
}

describe('lint', () => {
  const eslint = new ESLint({ cwd: REPO_ROOT });
  /** How many layer-rule errors `text` gets, linted as if it were `file`. */
  const restrictedImports = async (file: string, text: string) => {
    const [r] = await eslint.lintText(text, { filePath: join(REPO_ROOT, file) });
    return r?.messages.filter((m) => m.ruleId === 'no-restricted-imports').length ?? 0;
  };

  it('passes on the whole repository', async () => {
    const results = await eslint.lintFiles(['.']);
    const errors = results.flatMap((r) =>
      r.messages
        .filter((m) => m.severity === 2)
        .map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`),
    );
    expect(errors).toEqual([]);
    // Type-aware rules over the whole tree: 35 s alone, over a minute beside the other test files.
  }, 240_000);

  it('refuses I/O imports in workflow code but allows type-only imports', async () => {
    const file = join(REPO_ROOT, 'workflows', 'workflows.ts');
    const [bad] = await eslint.lintText(
      "import { readFileSync } from 'node:fs';\nimport { Kafka } from 'kafkajs';\nexport const x = [readFileSync, Kafka];\n",
      { filePath: file },
    );
    const rules = bad?.messages.map((m) => m.ruleId) ?? [];
    expect(rules.filter((r) => r === '@typescript-eslint/no-restricted-imports')).toHaveLength(2);

    const [ok] = await eslint.lintText("import type { Kafka } from 'kafkajs';\nexport type K = Kafka;\n", {
      filePath: file,
    });
    expect(ok?.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')).toEqual([]);
  });

  it('keeps each folder to the layers it may import, so folders form no cycle', async () => {
    const restricted = (file: string, from: string) =>
      restrictedImports(file, `import { x } from '${from}';\nexport const y = x;\n`);
    expect(await restricted('core/errors.ts', '../serving-layer/injection-tokens')).toBe(1);
    expect(await restricted('batch-layer/duckdb-engine.ts', '../speed-layer/rows')).toBe(1);
    expect(await restricted('workflows/activities.ts', '../serving-layer/injection-tokens')).toBe(1);
    expect(await restricted('serving-layer/query/metric-query.ts', '../../cli/roles')).toBe(1);
    expect(await restricted('ingest/server.ts', '../test/helpers/events')).toBe(1);
    expect(await restricted('serving-layer/query/metric-query.ts', '../../core/config')).toBe(0);
    expect(await restricted('workflows/activities.ts', '../batch-layer/engine')).toBe(0);
  });

  it("lets only the lake's local storage (and infra/) touch the disk", async () => {
    const disk = (file: string, from: string) =>
      restrictedImports(file, `import { readFileSync } from '${from}';\nexport const y = readFileSync;\n`);
    expect(await disk('batch-layer/duckdb-engine.ts', 'node:fs')).toBe(1);
    expect(await disk('serving-layer/reports/delivery-ledger.ts', 'fs')).toBe(1);
    expect(await disk('speed-layer/range-writer.ts', 'node:fs/promises')).toBe(1);
    expect(await disk('cli/main.ts', 'node:fs')).toBe(1);
    expect(await disk('core/lake/views.ts', 'node:fs')).toBe(1);
    expect(await disk('core/lake/local-storage.ts', 'node:fs')).toBe(0);
    expect(await disk('infra/local/process.ts', 'node:fs')).toBe(0);
  });

  it('keeps NestJS out of core and the lake', async () => {
    const [bad] = await eslint.lintText(
      "import { Injectable } from '@nestjs/common';\nexport const e = Injectable;\n",
      { filePath: join(REPO_ROOT, 'core', 'lake', 'views.ts') },
    );
    expect(bad?.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
  });

  it('has no import cycle between folders, and the lake module imports nothing outside itself', () => {
    const top = folderGraph((f) => f.split('/')[0] as string);
    expect(cycleIn(top)).toBeUndefined();
    // The check can fail: a graph with a back edge has a cycle.
    expect(
      cycleIn(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual(['a', 'b', 'a']);
    const all = folderGraph((f) => f);
    expect([...(all.get('core/lake') ?? [])]).toEqual([]);
  });

  it("has no import cycle between the serving layer's files: each kind of question reads through the layers, not through another", () => {
    const files = fileGraph('serving-layer');
    expect(files.get('serving-layer/query/metric-query.ts')).toContain(
      'serving-layer/query/layered-views.ts',
    );
    expect(cycleIn(files)).toBeUndefined();
  });

  it('keeps NestJS out of the query core', async () => {
    const [bad] = await eslint.lintText(
      "import { BadRequestException } from '@nestjs/common';\nexport const e = BadRequestException;\n",
      { filePath: join(REPO_ROOT, 'serving-layer', 'query', 'metric-query.ts') },
    );
    expect(bad?.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('refuses floating promises', async () => {
    const [r] = await eslint.lintText('async function f() {}\nexport function g() { f(); }\n', {
      filePath: join(REPO_ROOT, 'core', 'errors.ts'),
    });
    expect(r?.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-floating-promises');
  });
});
