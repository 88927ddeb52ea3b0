import type { AnalyticsEvent } from '../core/event';

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
