import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import type { Config } from '../config/config';
import { kafkaSasl } from './auth';
import { UserFacingError } from '../errors';
import type { Logger } from '../log';

/**
 * Known, understood messages: the partitioner notice (we set the partitioner explicitly) and the
 * bounded-retries notice (ingest bounds retries on purpose: a request must answer 503 in time
 * rather than hang; the idempotent producer still prevents duplicates within a session).
 */
const QUIET = ['KafkaJS v2.0.0 switched default partitioner', 'Limiting retries for the idempotent producer'];

/**
 * One kafkajs client per process, logging through our logger at warn and above. `probe`: a
 * client that only checks the brokers answer, quickly and silently (see kafkaReachable).
 */
export function createKafka(config: Config, log: Logger, probe = false): Kafka {
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: config.kafka.brokers,
    logLevel: probe ? logLevel.NOTHING : logLevel.WARN,
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
    retry: probe ? { initialRetryTime: 200, retries: 2 } : { initialRetryTime: 200, retries: 8 },
    ...(config.kafka.ssl ? { ssl: true } : {}),
    ...(config.kafka.sasl ? { sasl: kafkaSasl(config.kafka.sasl) } : {}),
  });
}

/**
 * Throws one clear line when no broker answers within a few seconds: a role starting against a
 * wrong KAFKA_BROKERS says so at once instead of logging reconnection attempts for a minute.
 */
export async function kafkaReachable(config: Config, log: Logger): Promise<void> {
  const admin = createKafka(config, log, true).admin();
  try {
    await admin.connect();
  } catch (e) {
    throw kafkaUnreachable(config, e);
  } finally {
    await admin.disconnect().catch(() => {});
  }
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
        waitForLeaders: false,
        topics: wanted.map((topic) => ({
          topic,
          numPartitions: config.kafka.partitions,
          // The cluster's default.replication.factor: 1 on the local broker, 3 on a managed one.
          replicationFactor: -1,
        })),
      });
      await leadersElected(admin, wanted);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every partition of new topics has a leader. kafkajs's own wait (waitForLeaders)
 * asks once more only while the broker says "leader not available"; a broker under load that
 * has not yet propagated a new topic answers "does not host this topic-partition" instead, and
 * the wait threw it (seen when several roles started at once on a fresh broker).
 */
async function leadersElected(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw e;
    }
    if (Date.now() > until)
      throw new Error(`Kafka created ${topics.join(', ')} but elected no leader within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The one line a role prints when it cannot reach the brokers at start, with what to do. */
export function kafkaUnreachable(config: Config, cause: unknown): UserFacingError {
  const why =
    cause instanceof Error
      ? cause.cause instanceof Error
        ? cause.cause.message
        : cause.message
      : String(cause);
  return new UserFacingError(
    `Kafka is not reachable at ${config.kafka.brokers.join(',')} (${why})`,
    'start it (./platform services start) or set KAFKA_BROKERS to a reachable cluster',
  );
}
