import type { AnalyticsEvent } from '../core/events/event';
import type { QuarantinedEvent } from '../core/kafka/dead-letters';

export type { QuarantinedEvent };

/** An accepted event with its JSON, serialized once by the pipeline. */
export interface SerializedEvent {
  event: AnalyticsEvent;
  json: string;
}

/**
 * The event store cannot take events now (down, slow, full): the caller should retry later. Any
 * other error from a sink is a fault of ours, not an outage.
 */
export class SinkUnavailableError extends Error {}

/**
 * Where accepted and quarantined events go. Resolves only once the broker holds every record;
 * rejects with SinkUnavailableError when the store is unavailable or slow.
 */
export interface EventSink {
  publish(valid: SerializedEvent[], quarantined: QuarantinedEvent[]): Promise<void>;
}
