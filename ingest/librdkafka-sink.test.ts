import { EventEmitter } from 'node:events';
import type { DeliveryReport, LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/log';
import type { AnalyticsEvent } from '../core/events/event';
import { SinkUnavailableError, type SerializedEvent } from './event-sink';
import { HotKeySalter } from './hot-keys';
import { LibrdkafkaSink } from './librdkafka-sink';

/** A producer that holds what it is given until the test reports its delivery. */
class FakeProducer extends EventEmitter {
  readonly held: { topic: string; key: string; value: string; opaque: unknown }[] = [];
  disconnected = false;
  constructor(readonly name: string) {
    super();
  }
  produce(topic: string, _p: null, value: Buffer, key: string, _t: null, opaque: unknown): void {
    if (this.disconnected) throw new Error(`${this.name} is disconnected`);
    this.held.push({ topic, key, value: value.toString(), opaque });
  }
  /** Reports every held record, failed with `error` when given. */
  deliver(error?: Partial<LibrdKafkaError>): void {
    for (const r of this.held.splice(0)) {
      this.emit('delivery-report', error ?? null, { topic: r.topic, opaque: r.opaque } as DeliveryReport);
    }
  }
  isConnected(): boolean {
    return !this.disconnected;
  }
  disconnect(_timeout: number, cb: () => void): void {
    this.disconnected = true;
    cb();
  }
  flush(_timeout: number, cb: () => void): void {
    cb();
  }
}

const event = (i: number): SerializedEvent => ({
  event: {
    projectId: 'p',
    userId: `u${i}`,
    anonymousId: null,
    eventId: `e${i}`,
  } as unknown as AnalyticsEvent,
  json: `{"i":${i}}`,
});

const log = createLogger({ test: 'librdkafka-sink' }, 'error');

async function sinkOver(
  producers: FakeProducer[],
  opts: { ackTimeoutMs?: number; maxPending?: number } = {},
) {
  const queue = [...producers];
  return LibrdkafkaSink.over(
    async () => {
      const next = queue.shift();
      if (!next) throw new Error('no producer left');
      return next as unknown as Producer;
    },
    { events: 'events', quarantine: 'quarantine' },
    new HotKeySalter(),
    {
      maxEvents: 100,
      lingerMs: 1,
      ackTimeoutMs: opts.ackTimeoutMs ?? 5_000,
      maxPending: opts.maxPending ?? 1000,
    },
    log,
  );
}

describe('librdkafka sink', () => {
  it('resolves a request only when every one of its records is delivered', async () => {
    const p = new FakeProducer('first');
    const sink = await sinkOver([p]);
    let done = false;
    const publish = sink
      .publish([event(1), event(2)], [{ projectId: 'p', reason: 'bad', payload: {} } as never])
      .then(() => (done = true));
    expect(p.held.map((r) => r.topic)).toEqual(['events', 'events', 'quarantine']);
    // Two of three reported: still waiting.
    const [a, b] = p.held.splice(0, 2);
    for (const r of [a, b]) p.emit('delivery-report', null, { opaque: r?.opaque });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    p.deliver();
    await publish;
    expect(done).toBe(true);
  });

  it('answers unavailable when a record fails, and when the acknowledgement is late', async () => {
    const p = new FakeProducer('first');
    const sink = await sinkOver([p], { ackTimeoutMs: 50 });
    const failed = sink.publish([event(1), event(2)], []);
    p.deliver({ message: 'Local: Message timed out', isFatal: false });
    await expect(failed).rejects.toBeInstanceOf(SinkUnavailableError);
    await expect(sink.publish([event(3)], [])).rejects.toThrow(/did not acknowledge within 50 ms/);
  });

  it('refuses at once beyond the records it lets wait', async () => {
    const p = new FakeProducer('first');
    const sink = await sinkOver([p], { maxPending: 3 });
    const first = sink.publish([event(1), event(2)], []);
    await expect(sink.publish([event(3), event(4)], [])).rejects.toThrow(/too many events waiting/);
    expect(p.held).toHaveLength(2);
    p.deliver();
    await first;
    const again = sink.publish([event(3), event(4)], []);
    p.deliver();
    await again;
  });

  it('after a fatal error sends nothing more on that producer: a new producer id takes over', async () => {
    const first = new FakeProducer('first');
    const second = new FakeProducer('second');
    const sink = await sinkOver([first, second]);
    const failed = sink.publish([event(1)], []);
    first.deliver({ message: 'Fatal error: producer fenced', isFatal: true });
    await expect(failed).rejects.toBeInstanceOf(SinkUnavailableError);
    expect(first.disconnected).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    const next = sink.publish([event(2)], []);
    expect(first.held).toEqual([]);
    expect(second.held.map((r) => r.value)).toEqual(['{"i":2}']);
    second.deliver();
    await next;
  });

  it('forgets the records a replaced producer never reported: the new one gets the whole room', async () => {
    const first = new FakeProducer('first');
    const second = new FakeProducer('second');
    const sink = await sinkOver([first, second], { maxPending: 3 });
    const stranded = sink.publish([event(1), event(2)], []);
    stranded.catch(() => {});
    const fatal = sink.publish([event(3)], []);
    // The fatal report of one record; the other two are never reported (the producer is gone).
    const [last] = first.held.splice(2, 1);
    first.emit('delivery-report', { message: 'Fatal error', isFatal: true }, { opaque: last?.opaque });
    await expect(fatal).rejects.toBeInstanceOf(SinkUnavailableError);
    await new Promise((r) => setTimeout(r, 10));
    const next = sink.publish([event(4), event(5), event(6)], []);
    expect(second.held).toHaveLength(3);
    second.deliver();
    await next;
  });
});
