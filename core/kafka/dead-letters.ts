import type { DeadLettered, DeadLetterReason, Ok, OutcomeTally } from '../events/outcome';
import type { KafkaMessage } from 'kafkajs';
import { EVENT_TYPES, type AnalyticsEvent } from '../events/event';
import type { Logger } from '../log';
import type { OutgoingMessage } from './partition-transactions';

/**
 * A record a consumer could not process, as kept on the dead-letter topic (events.deadletter):
 * where it came from, which consumer group gave up on it and why, and its bytes as they were.
 */
export interface DeadLetter {
  sourceTopic: string;
  partition: number;
  offset: string;
  /** The consumer group that could not process it (each group dead-letters a record on its own). */
  group: string;
  error: string;
  /** Key and value as base64 (null when absent): the exact bytes, whatever they were. */
  key: string | null;
  value: string | null;
  failedAt: string;
}

/** A record that no retry can make processable: its bytes are not what the topic must carry. */
export class PoisonRecord extends Error {
  /** `poison` for a record that is not an event; `refused` for an event its store will not hold. */
  constructor(
    message: string,
    readonly reason: DeadLetterReason = 'poison',
  ) {
    super(message);
  }
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Event times every store holds (ClickHouse DateTime, Parquet, lake partitions by date). */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2106, 0, 1);

function time(v: unknown, field: string): void {
  if (typeof v !== 'string' || !ISO_MS.test(v))
    throw new PoisonRecord(
      `${field} must be an ISO-8601 UTC time with milliseconds (got ${JSON.stringify(v)?.slice(0, 40)})`,
    );
  const ms = Date.parse(v);
  if (!(ms >= EARLIEST && ms < LATEST)) throw new PoisonRecord(`${field} ${v} is outside 2000..2105`);
}

const text = (v: unknown, field: string, nullable = false): void => {
  if (nullable && v === null) return;
  if (typeof v !== 'string' || (!nullable && v === ''))
    throw new PoisonRecord(`${field} must be a ${nullable ? 'string or null' : 'non-empty string'}`);
};

const object = (v: unknown, field: string): void => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new PoisonRecord(`${field} must be an object`);
};

/** A record's value as a JSON object, else PoisonRecord. */
function jsonObject(message: Pick<KafkaMessage, 'value'>): Record<string, unknown> {
  if (message.value === null) throw new PoisonRecord('the record has no value');
  let v: unknown;
  try {
    v = JSON.parse(message.value.toString('utf8'));
  } catch {
    throw new PoisonRecord('the value is not JSON');
  }
  object(v, 'the value');
  return v as Record<string, unknown>;
}

/**
 * Reads an `events` record, checking everything the consumers rely on (the collector only writes
 * such records; another producer may write anything). Throws PoisonRecord with the reason.
 */
export function decodeEvent(message: Pick<KafkaMessage, 'value'>): AnalyticsEvent {
  const e = jsonObject(message);
  text(e.eventId, 'eventId');
  text(e.projectId, 'projectId');
  if (!EVENT_TYPES.includes(e.type as never))
    throw new PoisonRecord(`type must be one of ${EVENT_TYPES.join(', ')}`);
  text(e.event, 'event');
  text(e.userId, 'userId', true);
  text(e.anonymousId, 'anonymousId', true);
  if (e.userId === null && e.anonymousId === null)
    throw new PoisonRecord('userId or anonymousId is required');
  time(e.timestamp, 'timestamp');
  time(e.receivedAt, 'receivedAt');
  object(e.properties, 'properties');
  object(e.context, 'context');
  return e as unknown as AnalyticsEvent;
}

/** A record of the quarantine topic: an invalid event the collector kept, with the reason. */
export interface QuarantinedEvent {
  projectId: string;
  reason: string;
  receivedAt: string;
  raw: unknown;
}

/** Reads a quarantine record (the collector's); throws PoisonRecord when it is not one. */
export function decodeQuarantined(message: Pick<KafkaMessage, 'value'>): QuarantinedEvent {
  const q = jsonObject(message);
  text(q.projectId, 'projectId');
  text(q.reason, 'reason');
  time(q.receivedAt, 'receivedAt');
  return q as unknown as QuarantinedEvent;
}

/** The dead-letter record of `message`, for the producer (keyed by where it came from). */
export function deadLetterMessage(
  topic: string,
  partition: number,
  message: Pick<KafkaMessage, 'key' | 'value' | 'offset'>,
  group: string,
  error: unknown,
  at = new Date(),
): { key: string; value: string } {
  const letter: DeadLetter = {
    sourceTopic: topic,
    partition,
    offset: message.offset,
    group,
    error: error instanceof Error ? error.message : String(error),
    key: message.key ? message.key.toString('base64') : null,
    value: message.value ? message.value.toString('base64') : null,
    failedAt: at.toISOString(),
  };
  return { key: `${topic}:${partition}:${message.offset}`, value: JSON.stringify(letter) };
}

/** Where a consumer sends the records it cannot process, and what it logs about them. */
export interface DeadLetterSink {
  topic: string;
  group: string;
  log: Logger;
}

/**
 * Decodes a record of `topic`/`partition`: `ok`, or, for a poison record, `dead_letter` with its
 * letter added to `range.dead` (to be sent with the range's commit); either outcome goes into
 * `range.tally`. Any other error is thrown: it is not the record's fault, and the range is retried.
 */
export function decodeOrDeadLetter<T>(
  decode: (m: KafkaMessage) => T,
  message: KafkaMessage,
  range: {
    source: { topic: string; partition: number };
    sink: DeadLetterSink;
    dead: OutgoingMessage[];
    tally: OutcomeTally;
  },
): Ok<T> | DeadLettered {
  const { source, sink } = range;
  let outcome: Ok<T> | DeadLettered;
  try {
    outcome = { kind: 'ok', value: decode(message) };
  } catch (e) {
    if (!(e instanceof PoisonRecord)) throw e;
    range.dead.push({
      topic: sink.topic,
      ...deadLetterMessage(source.topic, source.partition, message, sink.group, e),
    });
    sink.log.warn('dead-lettered a record', { ...source, offset: message.offset, error: e.message });
    outcome = { kind: 'dead_letter', reason: e.reason, error: e.message };
  }
  range.tally.add(outcome);
  return outcome;
}
