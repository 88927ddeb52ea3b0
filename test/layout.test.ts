import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/local/paths';

/** The folders the layout block of docs/architecture.md names, in its order. */
function layoutFolders(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layout'));
  const block = section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3));
  return block
    .split('\n')
    .map((l) => /^(\S+\/)\s/.exec(l)?.[1])
    .filter((f): f is string => f !== undefined)
    .map((f) => f.replace(/\/$/, ''));
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

describe('the layout in docs/architecture.md', () => {
  it('names folders that exist, and every top-level folder of code', () => {
    const named = layoutFolders();
    expect(named.length).toBeGreaterThan(10);
    for (const f of named)
      expect(isDir(join(REPO_ROOT, f)), `${f}/ is in docs/architecture.md but not the tree`).toBe(true);
    const topLevel = readdirSync(REPO_ROOT).filter(
      (f) => !f.startsWith('.') && f !== 'node_modules' && isDir(join(REPO_ROOT, f)),
    );
    for (const f of topLevel)
      expect(
        named.some((n) => n === f || n.startsWith(`${f}/`)),
        `${f}/ is in the tree but not docs/architecture.md`,
      ).toBe(true);
  });

  it('names every folder of core/ and serving-layer/ that holds code', () => {
    const named = new Set(layoutFolders());
    for (const parent of ['core', 'serving-layer']) {
      for (const f of readdirSync(join(REPO_ROOT, parent))) {
        if (isDir(join(REPO_ROOT, parent, f)))
          expect(named.has(`${parent}/${f}`), `${parent}/${f}/ is missing from docs/architecture.md`).toBe(
            true,
          );
      }
    }
  });
});
