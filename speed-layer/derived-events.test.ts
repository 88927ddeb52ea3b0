import { describe, expect, it } from 'vitest';
import { analyticsEvent } from '../test/helpers/events';
import { deriveRange, emptyDerivedState } from './derived-events';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const ev = (user: string, minutes: number, event = 'page', properties: Record<string, unknown> = {}) =>
  analyticsEvent({
    userId: user,
    event,
    properties,
    timestamp: new Date(T0 + minutes * 60_000).toISOString(),
  });

describe('deriveRange', () => {
  it('starts a session on the first event and after a 30-minute gap, ending the previous one', () => {
    const { derived } = deriveRange(emptyDerivedState(), [ev('a', 0), ev('a', 10), ev('a', 45)]);
    expect(derived.map((d) => [d.event, d.timestamp])).toEqual([
      ['session_start', '2026-01-01T10:00:00.000Z'],
      ['session_end', '2026-01-01T10:10:00.000Z'],
      ['session_start', '2026-01-01T10:45:00.000Z'],
    ]);
  });

  it('ends idle sessions when the watermark passes 30 minutes after their last event', () => {
    const { derived } = deriveRange(emptyDerivedState(), [ev('a', 0), ev('b', 5), ev('b', 31)]);
    expect(derived.filter((d) => d.event === 'session_end').map((d) => d.actorId)).toEqual(['a']);
  });

  it('does not let identify, alias or group calls start or extend a session, and takes the timeout given', () => {
    const events = [
      ev('a', 0),
      ev('a', 20, 'identify'),
      ev('a', 40),
      ev('b', 0, 'alias'),
      ev('b', 50, 'group'),
    ];
    expect(
      deriveRange(emptyDerivedState(), events).derived.map((d) => [d.event, d.actorId, d.timestamp]),
    ).toEqual([
      ['session_start', 'a', '2026-01-01T10:00:00.000Z'],
      ['session_end', 'a', '2026-01-01T10:00:00.000Z'],
      ['session_start', 'a', '2026-01-01T10:40:00.000Z'],
    ]);
    // With a 60-minute timeout the 40-minute gap is one session.
    expect(deriveRange(emptyDerivedState(), events, 60 * 60_000).derived.map((d) => d.event)).toEqual([
      'session_start',
    ]);
  });

  it('carries state across ranges exactly as one range would', () => {
    const events = [ev('a', 0), ev('b', 1), ev('a', 40), ev('b', 80), ev('c', 81)];
    const whole = deriveRange(emptyDerivedState(), events).derived;
    const first = deriveRange(emptyDerivedState(), events.slice(0, 2));
    const second = deriveRange(first.next, events.slice(2));
    expect([...first.derived, ...second.derived]).toEqual(whole);
  });

  it('never changes the state it was given (a failed range is derived again the same way)', () => {
    const state = deriveRange(emptyDerivedState(), [ev('a', 0)]).next;
    const range = [ev('a', 50), ev('x', 51)];
    expect(deriveRange(state, range)).toEqual(deriveRange(state, range));
  });

  it('emits VideoWatched once per play at 90% of the duration, and VideoError per error', () => {
    const { derived } = deriveRange(emptyDerivedState(), [
      ev('a', 0, 'video_play', { content_id: 'c', duration_seconds: 100 }),
      ev('a', 1, 'video_progress', { content_id: 'c', watch_time_seconds: 50 }),
      ev('a', 2, 'video_progress', { content_id: 'c', watch_time_seconds: 40 }),
      ev('a', 3, 'video_progress', { content_id: 'c', watch_time_seconds: 10 }),
      ev('a', 4, 'video_complete', { content_id: 'c' }),
      ev('a', 5, 'video_play', { content_id: 'c', duration_seconds: 100 }),
      ev('a', 6, 'video_error', { content_id: 'c', error_code: 'E1' }),
      ev('a', 7, 'video_complete', { content_id: 'c' }),
    ]);
    const video = derived.filter((d) => d.event.startsWith('Video'));
    expect(video.map((d) => [d.event, d.timestamp.slice(11, 16)])).toEqual([
      ['VideoWatched', '10:02'],
      ['VideoError', '10:06'],
      ['VideoWatched', '10:07'],
    ]);
    expect(video[0]?.properties).toMatchObject({ watched_seconds: 90, duration_seconds: 100 });
  });

  it('derives stable ids from the source events', () => {
    const events = [ev('a', 0), ev('a', 40)];
    const once = deriveRange(emptyDerivedState(), events).derived.map((d) => d.id);
    expect(deriveRange(emptyDerivedState(), events).derived.map((d) => d.id)).toEqual(once);
    expect(new Set(once).size).toBe(once.length);
  });
});
