import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger';

const dir = () => mkdtempSync(join(tmpdir(), 'ledger-'));

describe('delivery ledger', () => {
  it('remembers a sent message by its Message-ID', async () => {
    const ledger = new DeliveryLedger(dir());
    expect(await ledger.sent('<a@x>')).toBeUndefined();
    await ledger.record({
      messageId: '<a@x>',
      recipient: 'r@x',
      sentAt: '2026-01-01T00:00:00Z',
      response: '250 OK',
    });
    expect(await ledger.sent('<a@x>')).toMatchObject({ recipient: 'r@x', response: '250 OK' });
    expect(await ledger.sent('<b@x>')).toBeUndefined();
  });

  it('keeps a second sender away while a claim is fresh, lets it take over a stale one', async () => {
    let skew = 0;
    const d = dir();
    const first = new DeliveryLedger(d, 60_000, () => Date.now() + skew);
    expect(await first.claim('<m@x>', 'run-1/1')).toBe('claimed');
    expect(await first.claim('<m@x>', 'run-2/1')).toBe('busy');
    // The same owner (its activity retried) may go on.
    expect(await first.claim('<m@x>', 'run-1/1')).toBe('claimed');
    skew = 61_000; // the first sender went quiet for longer than the TTL
    expect(await first.claim('<m@x>', 'run-2/1')).toBe('claimed');
  });
});
