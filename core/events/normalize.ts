import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, type AnalyticsEvent, type EventType } from './event';

/** Outcomes are data, not exceptions: a bad event is routed to quarantine by the caller, not thrown. */
export type NormalizeResult = { kind: 'ok'; value: AnalyticsEvent } | { kind: 'quarantine'; reason: string };

const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 200;
/** Events outside this window are client bugs (unset clocks, ms/s mix-ups), not data. */
const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalId(raw: Record<string, unknown>, field: string): string | null | { error: string } {
  const v = raw[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return { error: `${field} must be a string` };
  if (v.length > MAX_ID_LENGTH) return { error: `${field} is longer than ${MAX_ID_LENGTH} characters` };
  return v;
}

/** A JavaScript Date holds at most 100,000,000 days either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/** Milliseconds since 1970, or undefined for what is not a time a Date can hold. */
function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const ms = typeof v === 'number' ? v : Date.parse(v);
  // Finite is not enough: 8.64e15 + 1 is finite, and its Date cannot be written as ISO-8601.
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : undefined;
}

const MAX_DEPTH = 16;
const MAX_KEY_LENGTH = 256;

/** Generic checks every event passes, custom ones included: bounded nesting and key sizes. */
function shapeProblem(value: unknown, field: string, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return `${field} is nested deeper than ${MAX_DEPTH} levels`;
  // for...in over own enumerable keys: this runs for every event, so no Object.entries arrays.
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (k.length > MAX_KEY_LENGTH) return `${field} has a key longer than ${MAX_KEY_LENGTH} characters`;
    const p = shapeProblem((value as Record<string, unknown>)[k], field, depth + 1);
    if (p) return p;
  }
  return undefined;
}

/**
 * Turns one raw Segment-style call into our event, or says why it is quarantined.
 * Event time follows Segment: receivedAt - (sentAt - timestamp), which cancels the client's
 * clock skew when the client sent both times from the same clock.
 */
export function normalizeEvent(
  raw: unknown,
  ctx: {
    projectId: string;
    receivedAt: number;
    receivedAtIso?: string;
    defaultType?: EventType;
    batchSentAt?: unknown;
  },
): NormalizeResult {
  if (!isRecord(raw)) return { kind: 'quarantine', reason: 'event must be a JSON object' };
  const type = (raw.type ?? ctx.defaultType) as unknown;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return { kind: 'quarantine', reason: `type must be one of ${EVENT_TYPES.join(', ')}` };
  }
  let name: string = type;
  if (type === 'track') {
    if (typeof raw.event !== 'string' || raw.event.trim() === '') {
      return { kind: 'quarantine', reason: 'track events need a non-empty string "event"' };
    }
    if (raw.event.length > MAX_NAME_LENGTH) {
      return { kind: 'quarantine', reason: `event name is longer than ${MAX_NAME_LENGTH} characters` };
    }
    name = raw.event;
  }
  const userId = optionalId(raw, 'userId');
  const anonymousId = optionalId(raw, 'anonymousId');
  const messageId = optionalId(raw, 'messageId');
  for (const id of [userId, anonymousId, messageId]) {
    if (id !== null && typeof id === 'object') return { kind: 'quarantine', reason: id.error };
  }
  if (userId === null && anonymousId === null) {
    return { kind: 'quarantine', reason: 'userId or anonymousId is required' };
  }
  for (const field of ['properties', 'context', 'traits'] as const) {
    if (raw[field] !== undefined && raw[field] !== null && !isRecord(raw[field])) {
      return { kind: 'quarantine', reason: `${field} must be an object` };
    }
    const shape = shapeProblem(raw[field], field);
    if (shape) return { kind: 'quarantine', reason: shape };
  }
  const sentAtRaw = raw.sentAt ?? ctx.batchSentAt;
  const ts = raw.timestamp === undefined ? undefined : parseTime(raw.timestamp);
  if (raw.timestamp !== undefined && ts === undefined) {
    return { kind: 'quarantine', reason: 'timestamp is not a valid ISO-8601 date' };
  }
  const sentAt = sentAtRaw === undefined || sentAtRaw === null ? undefined : parseTime(sentAtRaw);
  if (sentAtRaw !== undefined && sentAtRaw !== null && sentAt === undefined) {
    return { kind: 'quarantine', reason: 'sentAt is not a valid ISO-8601 date' };
  }
  let eventTime = ctx.receivedAt;
  if (ts !== undefined) eventTime = sentAt !== undefined ? ctx.receivedAt - (sentAt - ts) : ts;
  if (!(eventTime >= EARLIEST_EVENT_TIME && eventTime <= ctx.receivedAt + MAX_FUTURE_MS)) {
    return { kind: 'quarantine', reason: 'timestamp is before 2000 or more than a day in the future' };
  }
  const properties = isRecord(raw.properties) ? { ...raw.properties } : {};
  if (type === 'identify' || type === 'group') {
    if (isRecord(raw.traits)) properties.traits = raw.traits;
  }
  if (type === 'page' || type === 'screen') {
    if (typeof raw.name === 'string') properties.name ??= raw.name;
  }
  if (type === 'group' && raw.groupId !== undefined) properties.groupId = raw.groupId;
  if (type === 'alias' && raw.previousId !== undefined) properties.previousId = raw.previousId;
  return {
    kind: 'ok',
    value: {
      eventId: (messageId as string | null) ?? randomUUID(),
      projectId: ctx.projectId,
      type: type as EventType,
      event: name,
      userId: userId as string | null,
      anonymousId: anonymousId as string | null,
      timestamp: new Date(eventTime).toISOString(),
      originalTimestamp: ts === undefined ? null : new Date(ts).toISOString(),
      sentAt: sentAt === undefined ? null : new Date(sentAt).toISOString(),
      receivedAt: ctx.receivedAtIso ?? new Date(ctx.receivedAt).toISOString(),
      properties,
      context: isRecord(raw.context) ? raw.context : {},
      schema: null,
    },
  };
}
