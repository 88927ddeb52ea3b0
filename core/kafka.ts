import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Config } from './config';
import { kafkaSasl } from './kafka-auth';
import type { Logger } from './log';

/**
 * Known, understood messages: the partitioner notice (we set the partitioner explicitly) and the
 * bounded-retries notice (ingest bounds retries on purpose: a request must answer 503 in time
 * rather than hang; the idempotent producer still prevents duplicates within a session).
 */
const QUIET = ['KafkaJS v2.0.0 switched default partitioner', 'Limiting retries for the idempotent producer'];

/** One kafkajs client per process, logging through our logger at warn and above. */
export function createKafka(config: Config, log: Logger): Kafka {
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (QUIET.some((q) => message.startsWith(q))) return;
        // kafkajs logs retriable protocol errors (a coordinator still loading...) at ERROR and
        // then retries; failures that matter reach us as rejected promises, logged by the caller.
        log.warn(message, {
          ...rest,
          kafkajsLevel: level <= logLevel.ERROR ? 'error' : 'warn',
          namespace: 'kafkajs',
        });
      },
    retry: { initialRetryTime: 200, retries: 8 },
    ...(config.kafka.ssl ? { ssl: true } : {}),
    ...(config.kafka.sasl ? { sasl: kafkaSasl(config.kafka.sasl) } : {}),
  });
}

/** Creates the platform's topics when missing (idempotent). */
export async function ensureTopics(kafka: Kafka, config: Config): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const { events, quarantine, derived, deadletter } = config.kafka.topics;
    const wanted = [events, quarantine, derived, deadletter].filter((t) => !existing.has(t));
    if (wanted.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({
          topic,
          numPartitions: config.kafka.partitions,
          // The cluster's default.replication.factor: 1 on the local broker, 3 on a managed one.
          replicationFactor: -1,
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
