/**
 * What the live feed (WebSocket /v1/live) sends, and the stored event the API answers with: plain
 * types, no imports, shared by the serving layer and the web app (web/ bundles them as types).
 */

/** One event as stored, with where it was read from. */
export interface StoredEvent {
  eventId: string;
  type: string;
  event: string;
  userId: string | null;
  anonymousId: string | null;
  timestamp: string;
  receivedAt: string;
  properties: unknown;
  context: unknown;
  source: 'speed' | 'lake';
}

/** What the overview's live tiles show, straight from the speed view. */
export interface LiveSnapshot {
  project: string;
  /** When it was taken (ISO). */
  at: string;
  /** Events per minute over the last 30 minutes, oldest first (minutes without events are 0). */
  eventsPerMinute: { minute: string; count: number }[];
  /** Distinct users (HLL estimate) over the last 5 minutes. */
  activeUsers: number;
  /** Events received in the current minute so far. */
  eventsThisMinute: number;
  /** When the speed view last received an event of the project. */
  lastReceived: string | null;
  source: 'speed';
}

/** Every interval, to every client of a project. */
export interface SnapshotMessage extends LiveSnapshot {
  type: 'snapshot';
}

/**
 * To clients that asked for events (`/v1/live?events=1`): the project's latest events this client
 * has not been sent yet, newest first. The feed reads the latest LIVE_EVENTS_LIMIT each interval:
 * a project receiving more than that per interval shows a sample of them, as activity views do.
 */
export interface EventsMessage {
  type: 'events';
  events: StoredEvent[];
}

export type LiveMessage = SnapshotMessage | EventsMessage;
