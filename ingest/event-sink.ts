import type { Producer } from 'kafkajs';
import { partitionKey, type AnalyticsEvent } from '../core/event';

export interface QuarantinedEvent {
  projectId: string;
  reason: string;
  receivedAt: string;
  raw: unknown;
}

/** Where accepted and quarantined events go. Resolves only once the broker holds every record. */
export interface EventSink {
  publish(valid: AnalyticsEvent[], quarantined: QuarantinedEvent[]): Promise<void>;
}

/**
 * Kafka sink: idempotent producer, acks=all. Valid and quarantined events of one request go in one
 * `sendBatch`, so the request's answer covers both.
 */
export function createKafkaSink(producer: Producer, topics: { events: string; quarantine: string }): EventSink {
  return {
    async publish(valid, quarantined) {
      const topicMessages = [];
      if (valid.length > 0) {
        topicMessages.push({
          topic: topics.events,
          messages: valid.map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })),
        });
      }
      if (quarantined.length > 0) {
        topicMessages.push({
          topic: topics.quarantine,
          messages: quarantined.map((q) => ({ key: q.projectId, value: JSON.stringify(q) })),
        });
      }
      if (topicMessages.length === 0) return;
      await producer.sendBatch({ topicMessages, acks: -1 });
    },
  };
}
