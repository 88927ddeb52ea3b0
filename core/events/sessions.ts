/**
 * What a session is, for every part that cuts events into them (the query API's sessions, the
 * speed layer's session_start and session_end events): a person's activity with no gap longer
 * than the timeout (SESSION_TIMEOUT_MINUTES).
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 30 * 60_000;

/** Calls that say who someone is rather than what they did: they neither start nor extend a session. */
const NOT_ACTIVITY = new Set(['identify', 'alias', 'group']);

/** Whether an event (by its stored name: the call type for calls other than track) is activity. */
export function isActivity(event: string): boolean {
  return !NOT_ACTIVITY.has(event);
}
