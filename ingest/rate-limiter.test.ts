import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('admits up to the burst, then asks to wait until the debt is repaid', () => {
    let now = 0;
    const limiter = new RateLimiter(100, 200, () => now);
    expect(limiter.take('k', 150)).toBe(0);
    expect(limiter.take('k', 150)).toBe(0); // into debt: 200 - 300 = -100
    expect(limiter.take('k', 1)).toBe(1); // 100 events owed at 100/s
    now = 500;
    expect(limiter.take('k', 1)).toBe(1); // still 50 owed
    now = 1100;
    expect(limiter.take('k', 1)).toBe(0);
  });

  it('keeps keys apart and can be disabled', () => {
    const limiter = new RateLimiter(10, 10, () => 0);
    limiter.take('a', 100);
    expect(limiter.take('a', 1)).toBeGreaterThan(0);
    expect(limiter.take('b', 1)).toBe(0);
    expect(new RateLimiter(0).take('a', 1e9)).toBe(0);
  });
});
