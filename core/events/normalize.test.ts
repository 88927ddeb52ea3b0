import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize';

const receivedAt = Date.parse('2026-03-01T12:00:00.000Z');
const ctx = { projectId: 'p1', receivedAt };

describe('normalizeEvent', () => {
  it('corrects client clock skew the way Segment does: receivedAt - (sentAt - timestamp)', () => {
    // The client clock runs 10 minutes fast: it stamps the event 5 s before sending.
    const r = normalizeEvent(
      {
        type: 'track',
        event: 'signup',
        userId: 'u',
        timestamp: '2026-03-01T12:09:55Z',
        sentAt: '2026-03-01T12:10:00Z',
      },
      ctx,
    );
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') {
      expect(r.value.timestamp).toBe('2026-03-01T11:59:55.000Z');
      expect(r.value.originalTimestamp).toBe('2026-03-01T12:09:55.000Z');
      expect(r.value.receivedAt).toBe('2026-03-01T12:00:00.000Z');
    }
  });

  it('uses the batch sentAt when the event has none, and receivedAt when there is no timestamp', () => {
    const withBatch = normalizeEvent(
      { type: 'page', anonymousId: 'a', timestamp: '2026-03-01T11:00:00Z' },
      { ...ctx, batchSentAt: '2026-03-01T11:00:10Z' },
    );
    expect(withBatch.kind === 'ok' && withBatch.value.timestamp).toBe('2026-03-01T11:59:50.000Z');
    const none = normalizeEvent({ type: 'identify', userId: 'u' }, ctx);
    expect(none.kind === 'ok' && none.value.timestamp).toBe('2026-03-01T12:00:00.000Z');
  });

  it('quarantines a sentAt no date can hold, as a timestamp that is not one', () => {
    // Found by the hostile-JSON property test: one past the largest Date made the collector answer 500.
    for (const sentAt of [8_640_000_000_000_001, -8_640_000_000_000_001, 'not a date', true]) {
      const r = normalizeEvent({ type: 'identify', anonymousId: ' ', sentAt }, ctx);
      expect(r).toEqual({ kind: 'quarantine', reason: 'sentAt is not a valid ISO-8601 date' });
    }
    const none = normalizeEvent({ type: 'identify', anonymousId: ' ', sentAt: null }, ctx);
    expect(none.kind === 'ok' && none.value.sentAt).toBe(null);
    const far = normalizeEvent(
      { type: 'track', event: 'e', userId: 'u', timestamp: 8_640_000_000_000_001 },
      ctx,
    );
    expect(far.kind).toBe('quarantine');
  });

  it('names the event by the call type except for track', () => {
    const page = normalizeEvent({ type: 'page', userId: 'u', name: 'Home' }, ctx);
    expect(page.kind === 'ok' && page.value.event).toBe('page');
    expect(page.kind === 'ok' && page.value.properties.name).toBe('Home');
  });

  it('takes the type from the route for single calls', () => {
    const r = normalizeEvent({ event: 'x', userId: 'u' }, { ...ctx, defaultType: 'track' });
    expect(r.kind === 'ok' && r.value.type).toBe('track');
  });

  it.each([
    [null, 'event must be a JSON object'],
    [[1], 'event must be a JSON object'],
    [{ type: 'bogus', userId: 'u' }, 'type must be one of'],
    [{ type: 'track', userId: 'u' }, 'track events need a non-empty string "event"'],
    [{ type: 'track', event: 'e' }, 'userId or anonymousId is required'],
    [{ type: 'track', event: 'e', userId: { a: 1 } }, 'userId must be a string'],
    [{ type: 'track', event: 'e', userId: 'u', properties: [1] }, 'properties must be an object'],
    [{ type: 'track', event: 'e', userId: 'u', timestamp: 'yesterday' }, 'timestamp is not a valid'],
    [{ type: 'track', event: 'e', userId: 'u', timestamp: '1970-01-01T00:00:00Z' }, 'before 2000'],
    [{ type: 'track', event: 'e', userId: 'u', timestamp: '2999-01-01T00:00:00Z' }, 'in the future'],
    [{ type: 'track', event: 'x'.repeat(201), userId: 'u' }, 'longer than 200'],
  ])('quarantines %j with a reason', (raw, reason) => {
    const r = normalizeEvent(raw, ctx);
    expect(r.kind).toBe('quarantine');
    expect(r.kind === 'quarantine' && r.reason).toContain(reason);
  });

  it('keeps the client messageId as the event id and makes one when missing', () => {
    const kept = normalizeEvent({ type: 'track', event: 'e', userId: 'u', messageId: 'm-1' }, ctx);
    expect(kept.kind === 'ok' && kept.value.eventId).toBe('m-1');
    const made = normalizeEvent({ type: 'track', event: 'e', userId: 'u' }, ctx);
    expect(made.kind === 'ok' && made.value.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
