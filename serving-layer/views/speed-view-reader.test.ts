import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { speedViewWritten } from '../../core/speed-view-version';
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
