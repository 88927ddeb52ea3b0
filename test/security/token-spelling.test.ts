import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { isCanonicalToken, mintToken, tokenExpiry } from '../../core/auth/jwt';
import { RevokedTokens } from '../../core/auth/revoked-tokens';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { MetadataStore } from '../../core/metadata/store';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same token spelled otherwise: decoders forgive each of these. */
function respellings(token: string): Record<string, string> {
  const last = token.at(-1) as string;
  // A 32-byte signature is 43 characters: the last one carries 4 bits and 2 that decode to nothing.
  const flipped = ALPHABET[ALPHABET.indexOf(last) ^ 1] as string;
  const [h, p, sig] = token.split('.') as [string, string, string];
  return {
    'padding appended': `${token}=`,
    'a space in the signature': `${h}.${p}.${sig.slice(0, 10)} ${sig.slice(10)}`,
    "the last character's unused bits flipped": `${token.slice(0, -1)}${flipped}`,
  };
}

/**
 * A revoked token stays refused however it is spelled, by the API and by the live feed; a live
 * socket opened with it before is closed.
 */
describe('token spelling', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: string;
  const project = `spelling-${Date.now().toString(36)}`;
  const me = (t: string) =>
    fetch(`${api}/v1/me`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status);
  const live = (t: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${api.replace('http', 'ws')}/v1/live`, {
        headers: { authorization: `Bearer ${t}` },
      });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('spelling', { LIVE_PING_MS: '300' });
    roles = await startRoles(['serve'], config, createLogger({ test: 'spelling' }, 'error'));
    api = roles.urls.api as string;
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('only the one spelling of a token is a token', async () => {
    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    expect(isCanonicalToken(token)).toBe(true);
    expect(await me(token)).toBe(200);
    for (const [how, other] of Object.entries(respellings(token))) {
      expect(isCanonicalToken(other), how).toBe(false);
      expect(await me(other), how).toBe(401);
    }
  });

  it('a live socket open when its token is revoked is closed, saying why', async () => {
    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    const ws = new WebSocket(`${api.replace('http', 'ws')}/v1/live`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const db = await MetadataStore.open(config.metadata.url);
    try {
      const { claims, expiresAt } = await tokenExpiry(config.auth.jwtSecret, token);
      expect(await new RevokedTokens(db).revoke(token, claims, expiresAt)).toBe(true);
    } finally {
      await db.close();
    }
    const { code, reason } = await closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/revoked/);
  }, 60_000);

  it('a revoked token, respelled after it was verified and cached, is refused by the API and the live feed', async () => {
    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    const kept = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    expect(await me(token)).toBe(200); // verified once: its claims are cached
    const db = await MetadataStore.open(config.metadata.url);
    try {
      const { claims, expiresAt } = await tokenExpiry(config.auth.jwtSecret, token);
      expect(await new RevokedTokens(db).revoke(token, claims, expiresAt)).toBe(true);
    } finally {
      await db.close();
    }
    expect(
      await waitFor(
        () => me(token),
        (s) => s === 401,
        { timeoutMs: 15_000, intervalMs: 100 },
      ),
    ).toBe(401);
    for (const [how, other] of Object.entries(respellings(token))) {
      expect(await me(other), how).toBe(401);
      expect(await live(other), how).toBe(401);
    }
    expect(await live(token)).toBe(401);
    expect(await me(kept)).toBe(200);
    expect(await live(kept)).toBe(101);
  }, 60_000);
});
