import { actorId, type AnalyticsEvent } from '../core/events/event';
import { DEFAULT_SESSION_TIMEOUT_MS, isActivity } from '../core/events/sessions';

export const WATCHED_SHARE = 0.9;

/** An event the speed layer derives, published to `events.derived`. */
export interface DerivedEvent {
  /** Derived from the source event's id: the same source always yields the same id. */
  id: string;
  projectId: string;
  actorId: string;
  event: 'session_start' | 'session_end' | 'VideoWatched' | 'VideoError';
  timestamp: string;
  sourceEventId: string;
  properties: Record<string, unknown>;
}

interface Activity {
  projectId: string;
  last: number;
  lastEventId: string;
  open: boolean;
}

interface Playback {
  watched: number;
  duration: number;
  done: boolean;
  /** Event time of the last update: plays idle for PLAYBACK_TTL_MS are forgotten. */
  at: number;
}

const PLAYBACK_TTL_MS = 2 * 3_600_000;

/** What derivation remembers per partition, as of some offset. */
export interface DerivedState {
  watermark: number;
  activity: Map<string, Activity>;
  playback: Map<string, Playback>;
}

export const emptyDerivedState = (): DerivedState => ({
  watermark: 0,
  activity: new Map(),
  playback: new Map(),
});

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Derives events from one range, in offset order, starting from `state` as of the range's first
 * offset. Returns the derived events and the state after the range, leaving `state` untouched: a
 * range whose writes fail is derived again from the same state and yields the same events.
 *
 * - session_start: a user's first activity (any event but identify, alias and group), or the first
 *   after the session timeout (30 minutes by default) without one (event time);
 * - session_end: when the partition's event-time watermark passes the user's last event + 30 min
 *   (or the user's next event shows the gap), at that last event's time;
 * - VideoWatched: once per play, when the seconds watched since the user's last video_play of
 *   the content reach 90% of its duration (video_progress carries seconds watched since the
 *   previous progress; video_complete counts as watched);
 * - VideoError: one per video_error.
 */
export function deriveRange(
  state: DerivedState,
  events: AnalyticsEvent[],
  /** A person's session ends after this long without activity (SESSION_TIMEOUT_MINUTES). */
  sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS,
): { derived: DerivedEvent[]; next: DerivedState } {
  const next: DerivedState = {
    watermark: state.watermark,
    activity: new Map(state.activity),
    playback: new Map(state.playback),
  };
  const out: DerivedEvent[] = [];
  const emit = (
    e: DerivedEvent['event'],
    source: { id: string; projectId: string; actor: string; at: number },
    properties: Record<string, unknown> = {},
  ) =>
    out.push({
      id: `${e}:${source.projectId}:${source.id}`,
      projectId: source.projectId,
      actorId: source.actor,
      event: e,
      timestamp: new Date(source.at).toISOString(),
      sourceEventId: source.id,
      properties,
    });
  const endSession = (key: string, a: Activity) => {
    emit('session_end', {
      id: a.lastEventId,
      projectId: a.projectId,
      actor: key.slice(a.projectId.length + 1),
      at: a.last,
    });
    next.activity.set(key, { ...a, open: false });
  };

  for (const e of events) {
    const t = Date.parse(e.timestamp);
    const actor = actorId(e);
    const key = `${e.projectId}:${actor}`;
    const src = { id: e.eventId, projectId: e.projectId, actor, at: t };
    const prior = next.activity.get(key);
    // Identify, alias and group calls say who someone is: they neither start nor extend a session.
    if (isActivity(e.event)) {
      if (!prior || !prior.open || t - prior.last > sessionTimeoutMs) {
        if (prior?.open) endSession(key, prior);
        emit('session_start', src);
        next.activity.set(key, { projectId: e.projectId, last: t, lastEventId: e.eventId, open: true });
      } else if (t >= prior.last) {
        next.activity.set(key, { ...prior, last: t, lastEventId: e.eventId });
      }
    }

    const content = e.properties.content_id;
    if (typeof content === 'string' && e.event.startsWith('video_')) {
      const pk = `${key}:${content}`;
      const p = next.playback.get(pk) ?? { watched: 0, duration: 0, done: false, at: t };
      if (e.event === 'video_play')
        next.playback.set(pk, {
          watched: 0,
          duration: num(e.properties.duration_seconds),
          done: false,
          at: t,
        });
      else if (e.event === 'video_progress' || e.event === 'video_complete') {
        const duration = num(e.properties.duration_seconds) || p.duration;
        const watched = p.watched + (e.event === 'video_progress' ? num(e.properties.watch_time_seconds) : 0);
        const reached = e.event === 'video_complete' || (duration > 0 && watched >= WATCHED_SHARE * duration);
        if (reached && !p.done)
          emit('VideoWatched', src, {
            content_id: content,
            watched_seconds: watched,
            duration_seconds: duration,
          });
        next.playback.set(pk, { watched, duration, done: p.done || reached, at: Math.max(p.at, t) });
      } else if (e.event === 'video_error') {
        emit('VideoError', src, { content_id: content, error_code: e.properties.error_code ?? null });
      }
    }
    if (t > next.watermark) next.watermark = t;
  }
  // Users silent for the session timeout in event time, as the partition's watermark now shows.
  for (const [key, a] of [...next.activity].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (a.open && a.last + sessionTimeoutMs <= next.watermark) endSession(key, a);
    else if (!a.open && a.last + 2 * sessionTimeoutMs < next.watermark) next.activity.delete(key); // forgotten: closed long ago
  }
  for (const [pk, p] of next.playback) if (p.at + PLAYBACK_TTL_MS < next.watermark) next.playback.delete(pk);
  return { derived: out, next };
}
