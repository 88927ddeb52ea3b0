import { Partitioners } from 'kafkajs';
import { loadConfig } from '../../core/config/config';
import { readDeadLetters } from '../../core/kafka/dead-letter-reader';
import type { DeadLetter } from '../../core/kafka/dead-letters';
import { UserFacingError } from '../../core/errors';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import type { ParsedArgs } from '../args';

const source = (l: DeadLetter) => `${l.sourceTopic}:${l.partition}:${l.offset}`;

/**
 * `deadletter list [--group G]`: the records consumers could not process, where they came from
 * and why. `deadletter replay --offset topic:partition:offset | --all [--group G]`: produces
 * their original bytes (key and value) to their source topic again, for instance once a consumer
 * that refused them is fixed. Every consumer then reads them again; the batch layer counts a
 * messageId once, so a record one consumer had processed is not counted twice there.
 */
export async function deadletterCommand(args: ParsedArgs): Promise<number> {
  const action = args.positional[0];
  if (action !== 'list' && action !== 'replay')
    throw new UserFacingError(
      `unknown deadletter action '${action ?? ''}'`,
      'use: ./platform deadletter list|replay',
    );
  const config = loadConfig();
  const log = createLogger({ command: 'deadletter' }, 'error');
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config).catch(() => {
    throw new UserFacingError(
      `Kafka does not answer at ${config.kafka.brokers.join(',')}`,
      'start it with ./platform up or ./platform services start',
    );
  });
  const group = typeof args.options.group === 'string' ? args.options.group : undefined;
  const letters = (await readDeadLetters(kafka, config.kafka.topics.deadletter)).filter(
    (l) => group === undefined || l.group === group,
  );
  if (action === 'list') {
    if (letters.length === 0) console.log(`no dead letters on ${config.kafka.topics.deadletter}`);
    for (const l of letters) {
      const bytes = l.value === null ? 0 : Buffer.from(l.value, 'base64').length;
      console.log(`${source(l)}  ${l.group}  ${l.failedAt}  ${bytes} bytes  ${l.error}`);
    }
    return 0;
  }
  const offset = typeof args.options.offset === 'string' ? args.options.offset : undefined;
  if (offset === undefined && args.options.all !== true)
    throw new UserFacingError(
      'say which dead letters to replay',
      './platform deadletter replay --offset events:0:42, or --all (optionally with --group G)',
    );
  // One record per source position: several groups may have given up on the same record.
  const chosen = new Map<string, DeadLetter>();
  for (const l of letters) if (offset === undefined || source(l) === offset) chosen.set(source(l), l);
  if (chosen.size === 0)
    throw new UserFacingError(
      `no dead letter for ${offset ?? 'that group'}`,
      './platform deadletter list shows them',
    );
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (const l of chosen.values()) {
      await producer.send({
        topic: l.sourceTopic,
        acks: -1,
        messages: [
          {
            key: l.key === null ? null : Buffer.from(l.key, 'base64'),
            value: l.value === null ? null : Buffer.from(l.value, 'base64'),
          },
        ],
      });
      console.log(`replayed ${source(l)} to ${l.sourceTopic}`);
    }
  } finally {
    await producer.disconnect();
  }
  return 0;
}
