import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWriteKey, revokeWriteKey, WriteKeyStore } from './write-keys';

describe('write keys', () => {
  it('resolve to their project, are stored hashed, and stop working once revoked', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
    const key = createWriteKey(file, 'shop');
    expect(readFileSync(file, 'utf8')).not.toContain(key);
    const store = new WriteKeyStore(file, 0);
    expect(store.resolve(key)).toBe('shop');
    expect(store.resolve(`${key}x`)).toBeUndefined();
    expect(revokeWriteKey(file, key)).toBe(true);
    expect(revokeWriteKey(file, key)).toBe(false);
    expect(store.resolve(key)).toBeUndefined();
  });

  it('refuses project ids that are not plain names', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
    expect(() => createWriteKey(file, '../etc')).toThrow(/lowercase/);
  });
});
