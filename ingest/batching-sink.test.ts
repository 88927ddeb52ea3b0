import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchingKafkaSink } from './batching-sink';
import { HotKeySalter } from './hot-keys';

/** A producer that records what it sends, failing the sends it is told to. */
function fakeProducer(name: string, failures: number, log: string[]): Producer {
  let left = failures;
  return {
    sendBatch: async ({ topicMessages }: { topicMessages: { messages: unknown[] }[] }) => {
      const n = topicMessages.reduce((k, t) => k + t.messages.length, 0);
      if (left-- > 0) {
        log.push(`${name}: failed ${n}`);
        throw Object.assign(new Error('reconnect retries exhausted'), { retriable: false });
      }
      log.push(`${name}: sent ${n}`);
      return [];
    },
    disconnect: async () => {
      log.push(`${name}: disconnected`);
    },
  } as unknown as Producer;
}

const event = (i: number) => ({
  event: { projectId: 'p', userId: `u${i}`, anonymousId: null, eventId: `e${i}` },
  json: `{"i":${i}}`,
});

/** A sink on `first` that renews its producer with `renew`. */
const sinkOn = (first: Producer, renew: () => Promise<Producer>, ackTimeoutMs = 5_000) =>
  new BatchingKafkaSink(
    first,
    { events: 'events', quarantine: 'quarantine' },
    new HotKeySalter(),
    { maxEvents: 100, lingerMs: 1, ackTimeoutMs, maxPending: 1000 },
    renew,
  );

describe('batching sink after a failed send', () => {
  it('sends nothing more on the producer whose send failed: a new producer id takes over', async () => {
    const log: string[] = [];
    let made = 0;
    const renewed: Producer[] = [];
    const sink = sinkOn(fakeProducer('first', 1, log), async () => {
      renewed.push(fakeProducer(`renewed-${++made}`, 0, log));
      return renewed.at(-1) as Producer;
    });
    const batch = (from: number) =>
      Array.from({ length: 5 }, (_, i) => event(from + i)) as unknown as Parameters<typeof sink.publish>[0];
    await expect(sink.publish(batch(0), [])).rejects.toThrow('reconnect retries exhausted');
    // The next batch is the same size as the failed one: on the old producer it would reuse its
    // sequence numbers. It must go through a new producer.
    await sink.publish(batch(5), []);
    expect(log).toEqual(['first: failed 5', 'first: disconnected', 'renewed-1: sent 5']);
    // What shutdown disconnects is the producer in use, not the one given at the start.
    expect(sink.currentProducer).toBe(renewed[0]);
  });

  it('keeps trying to renew while the broker is away, and sends once it is back', async () => {
    const log: string[] = [];
    let attempts = 0;
    const sink = sinkOn(
      fakeProducer('first', 1, log),
      async () => {
        if (++attempts < 3) throw new Error('broker not reachable');
        return fakeProducer('renewed', 0, log);
      },
      10_000,
    );
    const one = [event(1)] as unknown as Parameters<typeof sink.publish>[0];
    await expect(sink.publish(one, [])).rejects.toThrow();
    await sink.publish(one, []);
    expect(attempts).toBe(3);
    expect(log).toEqual(['first: failed 1', 'first: disconnected', 'renewed: sent 1']);
  });
});
