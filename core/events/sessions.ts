/**
 * What a session is, for every part that cuts events into them (the query API's sessions, the
 * speed layer's session_start and session_end events): a person's activity with no gap longer
 * than the timeout (SESSION_TIMEOUT_MINUTES).
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 30 * 60_000;

/**
 * Calls that say who someone is rather than what they did: they neither start nor extend a
 * session. By stored event name (the call type for calls other than track); engines bind the list.
 */
export const NOT_ACTIVITY: readonly string[] = ['identify', 'alias', 'group'];

/** Whether an event (by its stored name) is activity. */
export function isActivity(event: string): boolean {
  return !NOT_ACTIVITY.includes(event);
}
