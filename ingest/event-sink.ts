import type { AnalyticsEvent } from '../core/event';

export interface QuarantinedEvent {
  projectId: string;
  reason: string;
  receivedAt: string;
  raw: unknown;
}

/** An accepted event with its JSON, serialized once by the pipeline. */
export interface SerializedEvent {
  event: AnalyticsEvent;
  json: string;
}

/** Where accepted and quarantined events go. Resolves only once the broker holds every record. */
export interface EventSink {
  publish(valid: SerializedEvent[], quarantined: QuarantinedEvent[]): Promise<void>;
}
