import { describe, expect, it } from 'vitest';
import { mintToken, verifyToken } from './jwt';

const SECRET = 's'.repeat(40);

describe('verifyToken', () => {
  it('answers a token checked before from memory, yet refuses it once expired or under another secret', async () => {
    const token = await mintToken(SECRET, { project: 'p', scopes: ['read'] }, '1h');
    const now = Date.now();
    expect(await verifyToken(SECRET, token, now)).toEqual({ project: 'p', scopes: ['read'] });
    // A caller changing its copy changes nothing for the next one.
    (await verifyToken(SECRET, token, now)).scopes.push('admin');
    expect(await verifyToken(SECRET, token, now)).toEqual({ project: 'p', scopes: ['read'] });
    await expect(verifyToken(SECRET, token, now + 2 * 3_600_000)).rejects.toThrow();
    await expect(verifyToken('t'.repeat(40), token, now)).rejects.toThrow();
    // A forged signature on known claims is checked, not found in memory.
    const [h, p] = token.split('.');
    await expect(verifyToken(SECRET, `${h}.${p}.${'A'.repeat(43)}`, now)).rejects.toThrow();
  });
});
