/**
 * bench/kafka-client: the two Kafka clients side by side on the same broker, in the same run, with
 * Kafka's own Java tools as the limit. Producing (idempotent, acks=all, 400-byte records with keys):
 * kafkajs the way the collector used it (sendBatch of 1,000, one in flight), librdkafka through
 * @confluentinc/kafka-javascript (produce() per record, delivery reports), ProducerPerformance.
 * Consuming the same records with no work per record: kafkajs eachBatch (the speed layer's and the
 * archiver's client), librdkafka's KafkaConsumer (consume() in batches of 1,000), ConsumerPerformance.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/kafka-client/run.ts      (BENCH_RECORDS=1000000)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KafkaConsumer, Producer, type LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { kafkaClasspath } from '../../infra/local/kafka/install';
import { kafkaServiceOptions, startKafka } from '../../infra/local/kafka/service';
import { runProducerPerformance } from '../lib/producer-performance';
import { fmt } from '../lib/stats';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const RECORD_SIZE = 400;
const PARTITIONS = 4;
const BATCH = 1000;
const CONSUME_BATCH = Number(process.env.BENCH_CONSUME_BATCH ?? 1000);

/** Keys like the collector's (project:user), values of RECORD_SIZE printable bytes. */
const values = Array.from({ length: 1000 }, () => Buffer.from(randomBytes(RECORD_SIZE / 2).toString('hex')));
const keyOf = (i: number) => `bench:user-${i % 5000}`;

async function kafkajsProduce(kafka: Kafka, topic: string): Promise<number> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < RECORDS; i += BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(i + BATCH, RECORDS); j++)
      messages.push({ key: keyOf(j), value: values[j % 1000] as Buffer });
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
  }
  const rate = RECORDS / ((performance.now() - t0) / 1000);
  await producer.disconnect();
  return rate;
}

async function librdkafkaProduce(brokers: string, topic: string): Promise<number> {
  const producer = new Producer(
    {
      'bootstrap.servers': brokers,
      'enable.idempotence': true,
      'linger.ms': 5,
      'queue.buffering.max.messages': 200_000,
      dr_cb: true,
    },
    { partitioner: 'murmur2_random' },
  );
  let delivered = 0;
  let failed = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  producer.on('delivery-report', (err: LibrdKafkaError) => {
    if (err) failed++;
    if (++delivered === RECORDS) done();
  });
  await new Promise<void>((res, rej) => producer.connect({}, (e) => (e ? rej(e) : res())));
  producer.setPollInBackground(true);
  const t0 = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    // Bounded in flight like the collector's maxPending: wait for reports when the queue is full.
    while (i - delivered >= 100_000) await new Promise((r) => setImmediate(r));
    producer.produce(topic, null, values[i % 1000] as Buffer, keyOf(i));
  }
  await all;
  const rate = RECORDS / ((performance.now() - t0) / 1000);
  if (failed > 0) throw new Error(`${failed} records failed`);
  await new Promise<void>((r) => producer.disconnect(5000, () => r()));
  return rate;
}

async function kafkajsConsume(kafka: Kafka, topic: string): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `bench-${randomUUID()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let t0 = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (t0 === 0) t0 = performance.now();
      n += batch.messages.length;
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      if (n >= RECORDS) done();
    },
  });
  await all;
  const rate = RECORDS / ((performance.now() - t0) / 1000);
  await consumer.disconnect();
  return rate;
}

async function librdkafkaConsume(brokers: string, topic: string): Promise<number> {
  const consumer = new KafkaConsumer(
    { 'bootstrap.servers': brokers, 'group.id': `bench-${randomUUID()}`, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((res, rej) => consumer.connect({}, (e) => (e ? rej(e) : res())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(100);
  let n = 0;
  let t0 = 0;
  while (n < RECORDS) {
    const batch = await new Promise<{ value: Buffer | null }[]>((res, rej) =>
      consumer.consume(CONSUME_BATCH, (e, m) => (e ? rej(e) : res(m))),
    );
    if (batch.length > 0 && t0 === 0) t0 = performance.now();
    n += batch.length;
  }
  const rate = RECORDS / ((performance.now() - t0) / 1000);
  await new Promise<void>((r) => consumer.disconnect(() => r()));
  return rate;
}

/** Kafka's own consumer benchmark over the same topic (a group of its own). */
function consumerPerformance(brokers: string, topic: string): number {
  const r = spawnSync(
    'java',
    [
      '-Xmx512m',
      '-cp',
      kafkaClasspath(),
      'org.apache.kafka.tools.ConsumerPerformance',
      '--bootstrap-server',
      brokers,
      '--topic',
      topic,
      '--messages',
      String(RECORDS),
      '--group',
      `bench-${randomUUID()}`,
      '--timeout',
      '60000',
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec: the fetch rate leaves the group
  // join out, as the clients' figures above do (their clocks start at the first record).
  const rows = r.stdout.trim().split('\n');
  const fields = (rows[rows.length - 1] ?? '').split(',').map((s) => s.trim());
  const rate = Number(fields[9]);
  if (!Number.isFinite(rate))
    throw new Error(`ConsumerPerformance printed no result:\n${r.stdout}\n${r.stderr}`);
  return rate;
}

async function main() {
  const say = (l: string) => console.log(l);
  await startKafka(kafkaServiceOptions(), say);
  const brokers = `localhost:${kafkaServiceOptions().port}`;
  const kafka = new Kafka({ clientId: 'bench-kafka-client', brokers: [brokers], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const run = randomUUID().slice(0, 8);
  const topics = {
    kafkajs: `bench.client.${run}.kafkajs`,
    rd: `bench.client.${run}.rd`,
    pp: `bench.client.${run}.pp`,
  };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({
      topic,
      numPartitions: PARTITIONS,
      replicationFactor: 1,
    })),
  });
  say(`${fmt(RECORDS)} records of ${RECORD_SIZE} bytes, ${PARTITIONS} partitions, idempotent, acks=all`);

  const produced = {
    kafkajs: await kafkajsProduce(kafka, topics.kafkajs),
    librdkafka: await librdkafkaProduce(brokers, topics.rd),
    limit: runProducerPerformance({
      brokers,
      topic: topics.pp,
      records: RECORDS,
      recordSize: RECORD_SIZE,
      props: { 'linger.ms': '5' },
    }).recordsPerSec,
  };
  const consumed = {
    kafkajs: await kafkajsConsume(kafka, topics.rd),
    librdkafka: await librdkafkaConsume(brokers, topics.rd),
    limit: consumerPerformance(brokers, topics.rd),
  };
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
  await admin.disconnect();

  say('');
  say('| client | produce records/s | vs ProducerPerformance | consume records/s | vs ConsumerPerformance |');
  say('| --- | ---: | ---: | ---: | ---: |');
  for (const c of ['kafkajs', 'librdkafka'] as const) {
    say(
      `| ${c} | ${fmt(produced[c])} | ${fmt(produced[c] / produced.limit, 2)} | ${fmt(consumed[c])} | ${fmt(consumed[c] / consumed.limit, 2)} |`,
    );
  }
  say(`| Kafka's Java tools (the limit) | ${fmt(produced.limit)} | 1.00 | ${fmt(consumed.limit)} | 1.00 |`);
  say(`command: node node_modules/tsx/dist/cli.mjs bench/kafka-client/run.ts  (BENCH_RECORDS=${RECORDS})`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
