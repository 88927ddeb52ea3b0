/**
 * The event model: a superset of the Segment Spec. This is what travels on the `events` topic
 * (JSON), what the lake stores and what every layer aggregates.
 */
export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface AnalyticsEvent {
  /** Segment `messageId`; the client's idempotency key, deduplicated downstream. */
  eventId: string;
  projectId: string;
  type: EventType;
  /** `event` for track calls; the call type (`page`, `identify`...) otherwise. */
  event: string;
  userId: string | null;
  anonymousId: string | null;
  /** Event time, UTC ISO-8601, corrected for client clock skew. */
  timestamp: string;
  /** The client's own `timestamp`, as sent. */
  originalTimestamp: string | null;
  sentAt: string | null;
  /** Set by the collector when the request arrived. */
  receivedAt: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  /** The schema the properties were validated against (`purchase@2`), or null for custom events. */
  schema: string | null;
}

/** Kafka key: one user's events stay on one partition, in order. */
export function partitionKey(e: Pick<AnalyticsEvent, 'projectId' | 'userId' | 'anonymousId'>): string {
  return `${e.projectId}:${e.userId ?? e.anonymousId ?? ''}`;
}

/** The actor used for unique-user metrics: the user id when known, the anonymous id otherwise. */
export function actorId(e: Pick<AnalyticsEvent, 'userId' | 'anonymousId'>): string {
  return e.userId ?? `anon:${e.anonymousId ?? ''}`;
}
