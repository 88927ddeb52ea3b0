import { describe, expect, it } from 'vitest';
import { isCanonicalToken, mintToken, verifyToken } from './jwt';

const SECRET = 's'.repeat(40);

describe('verifyToken', () => {
  it('answers a token checked before from memory, yet refuses it once expired or under another secret', async () => {
    const token = await mintToken(SECRET, { project: 'p', scopes: ['read'] }, '1h');
    const now = Date.now();
    expect(await verifyToken(SECRET, token, now)).toEqual({
      project: 'p',
      scopes: ['read'],
      role: 'viewer',
      jti: expect.any(String),
    });
    // A caller changing its copy changes nothing for the next one.
    (await verifyToken(SECRET, token, now)).scopes.push('admin');
    expect(await verifyToken(SECRET, token, now)).toEqual({
      project: 'p',
      scopes: ['read'],
      role: 'viewer',
      jti: expect.any(String),
    });
    await expect(verifyToken(SECRET, token, now + 2 * 3_600_000)).rejects.toThrow();
    await expect(verifyToken('t'.repeat(40), token, now)).rejects.toThrow();
    // A forged signature on known claims is checked, not found in memory.
    const [h, p] = token.split('.');
    await expect(verifyToken(SECRET, `${h}.${p}.${'A'.repeat(43)}`, now)).rejects.toThrow();
  });

  it('knows a token by one spelling only: padding, spaces or unused bits respelled are refused', async () => {
    const token = await mintToken(SECRET, { project: 'p', scopes: ['read'] }, '1h');
    expect(isCanonicalToken(token)).toBe(true);
    const last = token.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const flipped = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1] as string}`;
    for (const other of [
      `${token}=`,
      ` ${token}`,
      `${token.slice(0, 20)} ${token.slice(20)}`,
      flipped,
      `${token}.`,
    ]) {
      expect(isCanonicalToken(other), other).toBe(false);
      await expect(verifyToken(SECRET, other)).rejects.toThrow(/canonical/);
    }
  });
});
