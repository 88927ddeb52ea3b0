import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { speedViewWritten } from '../../core/clickhouse/speed-view-version';
import { SpeedViewReader } from './speed-view-reader';

/** A client that answers the stamp query with a counter, counting the queries it gets. */
function fakeClient() {
  const calls = { n: 0, version: 1 };
  const client = {
    query: () => {
      calls.n++;
      return Promise.resolve({ json: () => Promise.resolve([{ n: '1', v: String(calls.version) }]) });
    },
  } as unknown as ClickHouseClient;
  return { client, calls };
}

describe('SpeedViewReader.stamp', () => {
  it('in-process, moves with every write the speed layer makes, without a query', () => {
    const { client, calls } = fakeClient();
    const reader = new SpeedViewReader(client, 'db', true);
    const before = reader.stamp();
    expect(reader.stamp()).toBe(before);
    speedViewWritten(client);
    expect(reader.stamp()).not.toBe(before);
    expect(calls.n).toBe(0);
  });

  it('in-process, keeps the stamp of a range no write touched, and moves it for one that did', () => {
    const { client } = fakeClient();
    const reader = new SpeedViewReader(client, 'db', true);
    const H = 3_600_000;
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const yesterday = { from: new Date(t0 - 24 * H), to: new Date(t0) };
    const today = { from: new Date(t0), to: new Date(t0 + 24 * H) };
    const [y0, d0, all0] = [reader.stamp(yesterday), reader.stamp(today), reader.stamp()];
    speedViewWritten(client, { from: t0 + 5 * H, to: t0 + 5 * H + 60_000 });
    expect(reader.stamp(yesterday)).toBe(y0);
    expect(reader.stamp(today)).not.toBe(d0);
    expect(reader.stamp()).not.toBe(all0);
    // Touching the range's last minute counts; ending where the range starts does not.
    const d1 = reader.stamp(today);
    speedViewWritten(client, { from: t0 - 60_000, to: t0 });
    expect(reader.stamp(today)).toBe(d1);
    expect(reader.stamp(yesterday)).not.toBe(y0);
    // A write that does not say where (an erasure) touches every range; one that changed no
    // event time (only duplicates) touches none.
    const [y2, d2] = [reader.stamp(yesterday), reader.stamp(today)];
    speedViewWritten(client, null);
    expect([reader.stamp(yesterday), reader.stamp(today)]).toEqual([y2, d2]);
    speedViewWritten(client);
    expect(reader.stamp(yesterday)).not.toBe(y2);
    expect(reader.stamp(today)).not.toBe(d2);
  });

  it('in-process, counts writes it no longer remembers by span as touching everything', () => {
    const { client } = fakeClient();
    const reader = new SpeedViewReader(client, 'db', true);
    const far = { from: new Date(0), to: new Date(1000) };
    const before = reader.stamp(far);
    for (let i = 0; i < 4096; i++) speedViewWritten(client, { from: 10_000 + i, to: 10_001 + i });
    expect(reader.stamp(far)).toBe(before);
    speedViewWritten(client, { from: 50_000, to: 50_001 });
    expect(reader.stamp(far)).not.toBe(before);
  });

  it('against a server, shares one query between concurrent callers and polls again after the interval', async () => {
    const { client, calls } = fakeClient();
    const reader = new SpeedViewReader(client, 'db', false, 20);
    const [a, b] = await Promise.all([reader.stamp(), reader.stamp()]);
    expect(a).toBe(b);
    expect(calls.n).toBe(1);
    calls.version = 2;
    await new Promise((r) => setTimeout(r, 30));
    expect(await reader.stamp()).not.toBe(a);
    expect(calls.n).toBe(2);
  });
});
