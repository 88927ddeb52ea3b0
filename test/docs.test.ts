import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationReference, readSettings } from '../core/config/reference';
import { SETTING_DESCRIPTIONS } from '../core/config/descriptions';
import { REPO_ROOT } from '../infra/local/paths';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const DOCS = [
  'architecture',
  'api',
  'operations',
  'configuration',
  'local-services',
  'production',
  'development',
];

describe('the documentation', () => {
  it('configuration.md is what the code reads: regenerate it with ./platform config --write', () => {
    expect(read('docs/configuration.md')).toBe(configurationReference());
  });

  it('describes every setting the code reads, and only those', () => {
    const names = readSettings().map((r) => r.name);
    expect(names.filter((n) => SETTING_DESCRIPTIONS[n] === undefined)).toEqual([]);
    expect(Object.keys(SETTING_DESCRIPTIONS).filter((n) => !names.includes(n))).toEqual([]);
  });

  it('README.md is a front page: short, the two commands, a screenshot, a way to every doc', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThan(250);
    expect(readme).toContain('./platform up');
    expect(readme).toContain('./platform test');
    expect(readme).toMatch(/!\[[^\]]+\]\(docs\/screenshots\/[\w-]+\.png\)/);
    for (const d of DOCS) expect(readme, `README.md links docs/${d}.md`).toContain(`(docs/${d}.md)`);
  });

  it('every link to a file of the repository leads to one that exists', () => {
    const files = [
      'README.md',
      ...readdirSync(join(REPO_ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const f of files)
      for (const [, target] of read(f).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target as string)) continue; // http:, mailto:
        if (!existsSync(resolve(REPO_ROOT, dirname(f), target as string))) broken.push(`${f} -> ${target}`);
      }
    expect(broken).toEqual([]);
  });

  it('no file points outside the repository for its design (the docs hold it)', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.endsWith('.png') && f !== 'bench/RESULTS.md' && f !== 'test/docs.test.ts');
    const outside = tracked.filter(
      (f) => existsSync(join(REPO_ROOT, f)) && /DESIGN\.md|\.\.\/shared\//.test(read(f)),
    );
    expect(outside).toEqual([]);
  });
});
