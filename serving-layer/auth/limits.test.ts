import { describe, expect, it } from 'vitest';
import { RequestLimits } from './limits';

const settings = (over: Partial<ConstructorParameters<typeof RequestLimits>[0]> = {}) => ({
  publicUrl: 'http://x',
  ratePerMinute: 60,
  projectRatePerMinute: 100,
  heavyConcurrency: 2,
  queryTimeoutMs: 1000,
  maxAnswerBytes: 1 << 20,
  sqlMemoryMb: 512,
  adminAllowedCidrs: [],
  auditRetentionDays: 1,
  ...over,
});
const status = (f: () => void): number | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { getStatus(): number }).getStatus();
  }
};

describe('request limits', () => {
  it("admits a burst of ten seconds' worth, then one per refill, saying when to retry", () => {
    let now = 0;
    const limits = new RequestLimits(
      settings({ ratePerMinute: 360, projectRatePerMinute: 100_000 }),
      () => now,
    );
    for (let i = 0; i < 60; i++) expect(status(() => limits.admit('a', 'p'))).toBeUndefined();
    let retry: number | undefined;
    try {
      limits.admit('a', 'p');
    } catch (e) {
      retry = (e as { getResponse(): { retryAfter: number } }).getResponse().retryAfter;
    }
    expect(retry).toBe(1);
    // Six a second come back.
    now += 1000;
    for (let i = 0; i < 6; i++) expect(status(() => limits.admit('a', 'p'))).toBeUndefined();
    expect(status(() => limits.admit('a', 'p'))).toBe(429);
    // Another token is not touched by the first one's refusals.
    expect(status(() => limits.admit('b', 'p'))).toBeUndefined();
  });

  it("counts only admitted requests against the project: a refused token cannot use up its project's rate", () => {
    // Bursts of 10 per token and 10 for the project (at least 10 each).
    const limits = new RequestLimits(settings({ ratePerMinute: 10, projectRatePerMinute: 20 }), () => 0);
    for (let i = 0; i < 1000; i++) status(() => limits.admit('abuser', 'p'));
    // The abuser's first 10 used the project's burst of 10; its refusals used nothing more.
    expect(status(() => limits.admit('calm', 'p'))).toBe(429);
    const fresh = new RequestLimits(settings({ ratePerMinute: 10, projectRatePerMinute: 600 }), () => 0);
    for (let i = 0; i < 1000; i++) status(() => fresh.admit('abuser', 'p'));
    for (let i = 0; i < 10; i++) expect(status(() => fresh.admit('calm', 'p'))).toBeUndefined();
    expect(status(() => fresh.admit('calm', 'p'))).toBe(429);
  });

  it('gives turns on the engines in order of arrival, at most half of them to one token', async () => {
    const limits = new RequestLimits(settings({ heavyConcurrency: 2, queryTimeoutMs: 5000 }));
    const first = await limits.heavy('a', 'p');
    const order: string[] = [];
    // Token a holds its one turn: its second waits, while token b gets the project's other turn.
    const second = limits.heavy('a', 'p').then((done) => (order.push('a2'), done));
    const other = await limits.heavy('b', 'p');
    order.push('b');
    first();
    (await second)();
    other();
    expect(order).toEqual(['b', 'a2']);
  });

  it('refuses a wait for a turn past the query budget (503), and the turn is free again after', async () => {
    const limits = new RequestLimits(settings({ heavyConcurrency: 2, queryTimeoutMs: 100 }));
    const held = [await limits.heavy('a', 'p'), await limits.heavy('b', 'p')];
    const late = await limits.heavy('c', 'p').catch((e: { getStatus(): number }) => e.getStatus());
    expect(late).toBe(503);
    for (const done of held) done();
    (await limits.heavy('c', 'p'))();
  });
});
