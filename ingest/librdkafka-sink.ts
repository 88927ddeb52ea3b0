import { Producer, type DeliveryReport, type LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Config } from '../core/config/config';
import { kafkaUnreachable } from '../core/kafka/client';
import type { Logger } from '../core/log';
import { ingestProduceAck, ingestProducerRenewals } from '../core/ops/operational-metrics';
import { rdkafkaConnection } from '../core/kafka/rdkafka-settings';
import {
  SinkUnavailableError,
  type EventSink,
  type QuarantinedEvent,
  type SerializedEvent,
} from './event-sink';
import type { HotKeySalter } from './hot-keys';

export interface ProducerOptions {
  /** How long librdkafka waits for more records to fill a produce request. */
  lingerMs: number;
  /** Most records per produce request. */
  maxEvents: number;
  /** A request not acknowledged in this time answers 503 (its records may still land). */
  ackTimeoutMs: number;
  /** Records handed to librdkafka and not yet acknowledged beyond this are refused at once. */
  maxPending: number;
}

/** One request's records in flight: it settles when the last one is reported. */
interface Request {
  remaining: number;
  failure?: LibrdKafkaError;
  started: bigint;
  settle(failure?: unknown): void;
}

/**
 * Kafka's own client (librdkafka, through @confluentinc/kafka-javascript) for the collector: records
 * are encoded, batched, compressed and retried on librdkafka's threads, not on the event loop.
 *
 * Idempotent (acks=all, producer id and sequence numbers kept by librdkafka across its retries and
 * reconnections), so a record the broker acknowledged is written exactly once however often it was
 * retried. A request resolves only when every one of its records is acknowledged by all in-sync
 * replicas. Keys are partitioned with Java's murmur2, as kafkajs' default partitioner and every
 * Java client do, so a user's events stay on one partition whichever client wrote them.
 *
 * A fatal producer error (the broker fenced this producer id, or sequence numbers it cannot
 * reconcile) fails what the producer held; it is then replaced by a new producer (a new producer
 * id) before anything else is sent.
 */
export class LibrdkafkaSink implements EventSink {
  /** Records handed to the current producer and not reported yet. */
  private pending = 0;
  private renewing: Promise<void> | undefined;

  private constructor(
    private producer: Producer,
    private readonly connect: () => Promise<Producer>,
    private readonly topics: { events: string; quarantine: string },
    private readonly salter: HotKeySalter,
    private readonly opts: ProducerOptions,
    private readonly log: Logger,
  ) {
    this.watch(producer);
  }

  static async open(
    config: Config,
    salter: HotKeySalter,
    opts: ProducerOptions,
    log: Logger,
  ): Promise<LibrdkafkaSink> {
    return LibrdkafkaSink.over(
      () => connectProducer(config, opts, log),
      config.kafka.topics,
      salter,
      opts,
      log,
    );
  }

  /** A sink over the producers `connect` gives: the first now, a new one after a fatal error. */
  static async over(
    connect: () => Promise<Producer>,
    topics: { events: string; quarantine: string },
    salter: HotKeySalter,
    opts: ProducerOptions,
    log: Logger,
  ): Promise<LibrdkafkaSink> {
    return new LibrdkafkaSink(await connect(), connect, topics, salter, opts, log);
  }

  publish(valid: SerializedEvent[], quarantined: QuarantinedEvent[]): Promise<void> {
    const n = valid.length + quarantined.length;
    if (n === 0) return Promise.resolve();
    if (this.renewing) {
      return Promise.reject(new SinkUnavailableError('the Kafka producer is being replaced'));
    }
    if (this.pending + n > this.opts.maxPending) {
      return Promise.reject(new SinkUnavailableError('too many events waiting for Kafka'));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timeout = setTimeout(() => {
        request.settle(
          new SinkUnavailableError(`Kafka did not acknowledge within ${this.opts.ackTimeoutMs} ms`),
        );
      }, this.opts.ackTimeoutMs);
      const request: Request = {
        remaining: n,
        started: process.hrtime.bigint(),
        settle: (failure) => {
          if (settled) return;
          settled = true;
          clearTimeout(timeout);
          if (failure === undefined) resolve();
          else reject(failure);
        },
      };
      let handed = 0;
      try {
        for (const e of valid) {
          this.produce(this.topics.events, this.salter.keyFor(e.event), e.json, request);
          handed++;
        }
        for (const q of quarantined) {
          this.produce(this.topics.quarantine, q.projectId, JSON.stringify(q), request);
          handed++;
        }
      } catch (e) {
        // librdkafka refused a record (its queue is full, or the producer failed): the ones it
        // took may still land, so the caller is told to retry the whole request.
        request.remaining -= n - handed;
        request.failure ??= e as LibrdKafkaError;
        request.settle(new SinkUnavailableError(`Kafka did not take the events: ${String(e)}`, { cause: e }));
        if ((e as LibrdKafkaError).isFatal) void this.renew();
      }
    });
  }

  private produce(topic: string, key: string, value: string, request: Request): void {
    this.producer.produce(topic, null, Buffer.from(value), key, null, request);
    this.pending++;
  }

  private watch(producer: Producer): void {
    producer.on('delivery-report', (err: LibrdKafkaError, report: DeliveryReport) => {
      // A replaced producer's late reports settle their requests but no longer hold room.
      if (producer === this.producer) this.pending--;
      const request = report.opaque as Request;
      if (err) request.failure ??= err;
      if (--request.remaining > 0) return;
      if (request.failure) {
        request.settle(
          new SinkUnavailableError(`Kafka did not take the events: ${request.failure.message}`, {
            cause: request.failure,
          }),
        );
      } else {
        ingestProduceAck.observe(Number(process.hrtime.bigint() - request.started) / 1e9);
        request.settle();
      }
      if (request.failure?.isFatal) void this.renew();
    });
    producer.on('event.error', (err: LibrdKafkaError) => {
      // Broker connections coming and going are reported here and retried by librdkafka; only a
      // fatal error needs us.
      if (err.isFatal) {
        this.log.error('the Kafka producer failed; replacing it', { error: err.message });
        void this.renew();
      }
    });
  }

  /** Replaces a failed producer, retrying while the broker is away; publishes answer 503 meanwhile. */
  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      const old = this.producer;
      await disconnect(old, 1000);
      for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
        try {
          this.producer = await this.connect();
          // What the old producer never reported is gone with it (its requests timed out).
          this.pending = 0;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      this.watch(this.producer);
      ingestProducerRenewals.inc();
      this.renewing = undefined;
    })();
    return this.renewing;
  }

  /** Waits until librdkafka has delivered (or given up on) everything it holds, then disconnects. */
  async close(timeoutMs = 30_000): Promise<void> {
    await this.renewing;
    await new Promise<void>((resolve) => this.producer.flush(timeoutMs, () => resolve()));
    await disconnect(this.producer, timeoutMs);
  }
}

async function connectProducer(config: Config, opts: ProducerOptions, log: Logger): Promise<Producer> {
  const producer = new Producer(
    {
      ...rdkafkaConnection(config),
      'enable.idempotence': true,
      'linger.ms': opts.lingerMs,
      'batch.num.messages': opts.maxEvents,
      // Room for every record the sink lets wait (maxPending), so librdkafka never refuses one.
      'queue.buffering.max.messages': opts.maxPending * 2,
      dr_cb: true,
      'allow.auto.create.topics': false,
    },
    { partitioner: 'murmur2_random', 'request.required.acks': -1 },
  );
  // A failed OAUTHBEARER token refresh is emitted as 'error' (librdkafka retries it).
  (producer as unknown as NodeJS.EventEmitter).on('error', (err: Error) =>
    log.warn('Kafka producer', { error: err.message }),
  );
  await new Promise<void>((resolve, reject) => {
    producer.connect({ timeout: 10_000 }, (err) => (err ? reject(kafkaUnreachable(config, err)) : resolve()));
  });
  // Delivery reports come from librdkafka's own thread, not from a poll timer on the event loop.
  producer.setPollInBackground(true);
  return producer;
}

function disconnect(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!producer.isConnected()) return resolve();
    producer.disconnect(timeoutMs, () => resolve());
  });
}
