import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/local/paths';

describe('lint', () => {
  const eslint = new ESLint({ cwd: REPO_ROOT });

  it('passes on the whole repository', async () => {
    const results = await eslint.lintFiles(['.']);
    const errors = results.flatMap((r) =>
      r.messages
        .filter((m) => m.severity === 2)
        .map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`),
    );
    expect(errors).toEqual([]);
  });

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
    const restricted = async (file: string, from: string) => {
      const [r] = await eslint.lintText(`import { x } from '${from}';\nexport const y = x;\n`, {
        filePath: join(REPO_ROOT, file),
      });
      return r?.messages.filter((m) => m.ruleId === 'no-restricted-imports').length ?? 0;
    };
    expect(await restricted('core/errors.ts', '../serving-layer/tokens')).toBe(1);
    expect(await restricted('batch-layer/duckdb-engine.ts', '../speed-layer/rows')).toBe(1);
    expect(await restricted('workflows/activities.ts', '../serving-layer/tokens')).toBe(1);
    expect(await restricted('serving-layer/query/metric-query.ts', '../../cli/roles')).toBe(1);
    expect(await restricted('ingest/server.ts', '../test/helpers/events')).toBe(1);
    expect(await restricted('serving-layer/query/metric-query.ts', '../../core/config')).toBe(0);
    expect(await restricted('workflows/activities.ts', '../batch-layer/engine')).toBe(0);
  });

  it("lets only the lake's local storage (and infra/) touch the disk", async () => {
    const disk = async (file: string, from: string) => {
      const [r] = await eslint.lintText(
        `import { readFileSync } from '${from}';\nexport const y = readFileSync;\n`,
        {
          filePath: join(REPO_ROOT, file),
        },
      );
      return r?.messages.filter((m) => m.ruleId === 'no-restricted-imports').length ?? 0;
    };
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
