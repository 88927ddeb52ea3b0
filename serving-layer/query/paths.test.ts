import { describe, expect, it } from 'vitest';
import { computePaths, PATH_END, type PathEvent } from './paths';

const MIN = 60_000;
const visit = (actor: string, nodes: string[], startMin = 0): PathEvent[] =>
  nodes.map((node, i) => ({ actor, node, at: (startMin + i) * MIN }));
const options = { start: '/pricing', direction: 'after' as const, steps: 2, gapMs: 30 * MIN, limit: 10 };

describe('computePaths', () => {
  it('follows each person from their first start, repeats collapsed, short paths ended', async () => {
    const rows = [
      ...visit('a', ['/home', '/pricing', '/pricing', '/signup', 'signed_up', '/docs']),
      ...visit('b', ['/pricing', '/signup', 'signed_up']),
      ...visit('c', ['/pricing', '/docs']),
      ...visit('d', ['/home', '/docs']), // never at the start
      ...visit('e', ['/pricing']),
      ...visit('e', ['/signup'], 31), // after a gap longer than 30 min: another visit
    ];
    const r = await computePaths(rows, options);
    expect(r.persons).toBe(4);
    expect(r.paths).toEqual([
      { nodes: ['/pricing', '/signup', 'signed_up'], persons: 2 },
      { nodes: ['/pricing', PATH_END], persons: 1 },
      { nodes: ['/pricing', '/docs', PATH_END], persons: 1 },
    ]);
    expect(r.links.filter((l) => l.step === 1)).toEqual([
      { step: 1, source: '/pricing', target: '/signup', persons: 2 },
      { step: 1, source: '/pricing', target: '(end)', persons: 1 },
      { step: 1, source: '/pricing', target: '/docs', persons: 1 },
    ]);
  });

  it('paths before a node end at it', async () => {
    const rows = [
      ...visit('a', ['/home', '/pricing', '/signup']),
      ...visit('b', ['/blog', '/home', '/pricing']),
      ...visit('c', ['/pricing']),
    ];
    const r = await computePaths(rows, { ...options, direction: 'before' });
    expect(r.paths).toEqual([
      { nodes: ['(end)', '/home', '/pricing'], persons: 1 },
      { nodes: ['(end)', '/pricing'], persons: 1 },
      { nodes: ['/blog', '/home', '/pricing'], persons: 1 },
    ]);
  });
});
