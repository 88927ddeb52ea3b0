import { ingestProduceAck, ingestProducerRenewals } from '../core/ops/metrics';
import type { Message, Producer } from 'kafkajs';
import {
  SinkUnavailableError,
  type EventSink,
  type QuarantinedEvent,
  type SerializedEvent,
} from './event-sink';

export { SinkUnavailableError };
import type { HotKeySalter } from './hot-keys';

export interface BatchingOptions {
  /** Most events per produce request (Kafka batch). */
  maxEvents: number;
  /** How long the first waiting event may wait for others to join its batch. */
  lingerMs: number;
  /** A request not acknowledged in this time answers 503 (the produce keeps retrying). */
  ackTimeoutMs: number;
  /** Events waiting beyond this are refused at once (the broker is down or too slow). */
  maxPending: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  maxEvents: 1000,
  lingerMs: 50,
  ackTimeoutMs: 10_000,
  maxPending: 200_000,
};

interface Pending {
  events: { topic: string; message: Message }[];
  /** Handed to the producer: from then on its events may land even if the caller timed out. */
  sent: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Groups the events of concurrent requests into produce requests of at most `maxEvents` or
 * `lingerMs`, one in flight at a time: kafkajs' idempotent producer keeps per-partition sequence
 * numbers that concurrent sends could interleave. A request resolves only when every one of its
 * events is acknowledged by all in-sync replicas (acks=all).
 *
 * Produce retries are unbounded on purpose: with the idempotent producer, abandoning a batch and
 * sending new events could reuse its sequence numbers, and the broker would then take the new
 * events for duplicates of the old. Callers get a timely 503 instead (ackTimeoutMs).
 *
 * kafkajs can still give a send up: a long broker outage exhausts its reconnect retries and the
 * send rejects as non-retriable. The failed batch's sequence numbers stay unused by the producer
 * though the broker may have written it; a later batch of the same size would get them again,
 * and the broker would acknowledge it as a duplicate without writing it (acknowledged events
 * lost: seen once when a broker restart took 20 s). So after any failed send the producer is
 * replaced (`renew`): a new producer id starts new sequences. Nothing is sent until it is.
 */
export class BatchingKafkaSink implements EventSink {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;

  constructor(
    private producer: Producer,
    private readonly topics: { events: string; quarantine: string },
    private readonly salter: HotKeySalter,
    private readonly opts: BatchingOptions = DEFAULT_BATCHING,
    /** A new connected producer (a new producer id), to replace one whose send failed. */
    private readonly renew?: () => Promise<Producer>,
  ) {}

  /** The producer in use (it changes after a failed send). */
  get currentProducer(): Producer {
    return this.producer;
  }

  /** Replaces the producer, retrying while the broker is away; no send goes out meanwhile. */
  private async replaceProducer(): Promise<void> {
    if (!this.renew) return;
    await this.producer.disconnect().catch(() => {});
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        this.producer = await this.renew();
        ingestProducerRenewals.inc();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  publish(valid: SerializedEvent[], quarantined: QuarantinedEvent[]): Promise<void> {
    const events = [
      ...valid.map((e) => ({
        topic: this.topics.events,
        message: { key: this.salter.keyFor(e.event), value: e.json },
      })),
      ...quarantined.map((q) => ({
        topic: this.topics.quarantine,
        message: { key: q.projectId, value: JSON.stringify(q) },
      })),
    ];
    if (events.length === 0) return Promise.resolve();
    if (this.queuedEvents + events.length > this.opts.maxPending) {
      return Promise.reject(new SinkUnavailableError('too many events waiting for Kafka'));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timeout = setTimeout(() => {
        settled = true;
        // Not yet handed to the producer: withdraw it, so a 503 usually means "not written".
        const i = this.queue.indexOf(pending);
        if (i >= 0 && !pending.sent) {
          this.queue.splice(i, 1);
          this.queuedEvents -= pending.events.length;
        }
        reject(new SinkUnavailableError(`Kafka did not acknowledge within ${this.opts.ackTimeoutMs} ms`));
      }, this.opts.ackTimeoutMs);
      const done = (e?: unknown) => {
        clearTimeout(timeout);
        if (settled) return;
        settled = true;
        if (e === undefined) resolve();
        else reject(e);
      };
      const pending: Pending = { events, sent: false, resolve: () => done(), reject: (e) => done(e) };
      this.queue.push(pending);
      this.queuedEvents += events.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing) return;
    if (this.queuedEvents >= this.opts.maxEvents) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.opts.lingerMs);
    }
  }

  /** Sends whole requests (never splits one across produce calls) up to maxEvents, or one larger request. */
  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch: Pending[] = [];
    let n = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || n + (this.queue[0]?.events.length ?? 0) <= this.opts.maxEvents)
    ) {
      const p = this.queue.shift() as Pending;
      p.sent = true;
      batch.push(p);
      n += p.events.length;
    }
    this.queuedEvents -= n;
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      for (const { topic, message } of p.events) {
        const list = byTopic.get(topic) ?? [];
        list.push(message);
        byTopic.set(topic, list);
      }
    }
    try {
      const started = process.hrtime.bigint();
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      ingestProduceAck.observe(Number(process.hrtime.bigint() - started) / 1e9);
      for (const p of batch) p.resolve();
    } catch (e) {
      // Whatever the producer says (broker gone, retries exhausted, a timeout), the store did not
      // take these events: the caller retries them.
      const unavailable = new SinkUnavailableError(`Kafka did not take the events: ${String(e)}`, {
        cause: e,
      });
      for (const p of batch) p.reject(unavailable);
      await this.replaceProducer();
    } finally {
      this.flushing = false;
      // Whatever queued meanwhile has waited a whole produce round trip already: send it now.
      if (this.queue.length > 0) void this.flush();
    }
  }

  /** Waits for everything queued to be sent (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setTimeout(r, 10));
    }
  }
}
