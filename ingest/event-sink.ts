import type { AnalyticsEvent } from '../core/event';
import type { QuarantinedEvent } from '../core/dead-letters';

export type { QuarantinedEvent };

/** An accepted event with its JSON, serialized once by the pipeline. */
export interface SerializedEvent {
  event: AnalyticsEvent;
  json: string;
}

/** Where accepted and quarantined events go. Resolves only once the broker holds every record. */
export interface EventSink {
  publish(valid: SerializedEvent[], quarantined: QuarantinedEvent[]): Promise<void>;
}
