/**
 * bench/speed's load generator, in its own process so it never shares an event loop (or a Kafka
 * client) with the consumer it measures: offers `rate` events/s to `topic` for `seconds` through
 * librdkafka's idempotent producer (acks=all), and every 20 ms a probe event of its own project.
 * Prints one JSON line: the events it offered and had acknowledged, and each probe's
 * acknowledgement time (epoch milliseconds, comparable across processes on this machine).
 *
 *   node node_modules/tsx/dist/cli.mjs bench/speed/load.ts <brokers> <topic> <rate> <seconds>
 */
import { Producer, type DeliveryReport, type LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionKey, type AnalyticsEvent } from '../../core/events/event';
import { generateEvents } from '../../test/helpers/speed-harness';

export interface SpeedLoadResult {
  offered: number;
  acknowledged: number;
  failed: number;
  seconds: number;
  /** Probe project id -> acknowledgement time (epoch ms). */
  probes: Record<string, number>;
}

const now = () => performance.timeOrigin + performance.now();
const TICK_MS = 5;
const PROBE_EVERY_MS = 20;

async function main() {
  const [brokers, topic, rateArg, secondsArg] = process.argv.slice(2);
  const rate = Number(rateArg);
  const seconds = Number(secondsArg);
  const producer = new Producer(
    {
      'bootstrap.servers': brokers as string,
      'enable.idempotence': true,
      'linger.ms': 5,
      'queue.buffering.max.messages': 1_000_000,
      dr_cb: true,
    },
    { partitioner: 'murmur2_random' },
  );
  const r: SpeedLoadResult = { offered: 0, acknowledged: 0, failed: 0, seconds: 0, probes: {} };
  producer.on('delivery-report', (err: LibrdKafkaError, report: DeliveryReport) => {
    if (err) r.failed++;
    else r.acknowledged++;
    if (typeof report.opaque === 'string') r.probes[report.opaque] = now();
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({}, (err) => (err ? reject(err) : resolve())),
  );
  producer.setPollInBackground(true);
  const send = (e: AnalyticsEvent, probe?: string) => {
    producer.produce(topic as string, null, Buffer.from(JSON.stringify(e)), partitionKey(e), null, probe);
    r.offered++;
  };

  const started = performance.now();
  let nextProbe = started;
  let probes = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - r.offered + probes;
    if (due > 0) {
      const start = Date.now() - 60_000;
      for (const e of generateEvents(due, { spreadMinutes: 1, start })) send(e);
    }
    if (performance.now() >= nextProbe) {
      const id = `probe-${probes++}`;
      const [e] = generateEvents(1, { projectId: id, spreadMinutes: 1, start: Date.now() - 60_000 });
      send(e as AnalyticsEvent, id);
      nextProbe += PROBE_EVERY_MS;
    }
    await sleep(TICK_MS);
  }
  r.seconds = (performance.now() - started) / 1000;
  await new Promise<void>((resolve) => producer.flush(30_000, () => resolve()));
  await new Promise<void>((resolve) => producer.disconnect(5_000, () => resolve()));
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
