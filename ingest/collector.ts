import { NOTHING_DROPPED, type DropList } from '../core/erasure/drop-list';
import { ingestDropped, ingestEvents, ingestQuarantined } from '../core/ops/operational-metrics';
import type { EventType } from '../core/events/event';
import type { EventSink, QuarantinedEvent, SerializedEvent } from './event-sink';
import { HttpError } from './http-error';
import type { RequestMeta } from './enrich';
import type { createEventPipeline, PipelineResult } from './pipeline';
import { OutcomeTally, type Drop } from '../core/events/outcome';

export interface CollectResult {
  accepted: number;
  quarantined: number;
  errors: { index: number; reason: string }[];
  /** Events of users erased under GDPR, not kept (present only when some were). */
  dropped?: number;
}

/** Segment's single-call routes, each implying the event type. */
export const SINGLE_CALL_ROUTES: Record<string, EventType> = {
  '/v1/track': 'track',
  '/v1/page': 'page',
  '/v1/screen': 'screen',
  '/v1/identify': 'identify',
  '/v1/group': 'group',
  '/v1/alias': 'alias',
  '/v1/t': 'track',
  '/v1/p': 'page',
  '/v1/s': 'screen',
  '/v1/i': 'identify',
  '/v1/g': 'group',
  '/v1/a': 'alias',
};

/** The events of a request body: `/v1/batch` `{batch:[...]}`, `/events` `[...]|{events:[...]}`, or one call. */
export function eventsOf(
  path: string,
  body: unknown,
): { events: unknown[]; defaultType?: EventType; sentAt?: unknown } {
  const obj =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  if (path === '/v1/batch' || path === '/v1/import') {
    if (!obj || !Array.isArray(obj.batch))
      throw new HttpError(400, 'body must be an object with a "batch" array');
    return { events: obj.batch, sentAt: obj.sentAt };
  }
  if (path === '/events') {
    if (Array.isArray(body)) return { events: body };
    if (obj && Array.isArray(obj.events)) return { events: obj.events };
    throw new HttpError(400, 'body must be a JSON array of events or an object with an "events" array');
  }
  const type = SINGLE_CALL_ROUTES[path];
  if (!type) throw new HttpError(404, `no route ${path}`);
  if (!obj) throw new HttpError(400, 'body must be a JSON object');
  return { events: [obj], defaultType: type };
}

/**
 * Runs every event of a request through the pipeline; valid ones go to `events`, invalid ones to
 * quarantine with the reason. Resolves after the sink holds all of them, so the caller's 2xx is
 * only ever sent for events the broker has.
 */
export async function collect(
  sink: EventSink,
  pipeline: ReturnType<typeof createEventPipeline>,
  request: { projectId: string; path: string; body: unknown; invalidUtf8: boolean; meta: RequestMeta },
  now: number = Date.now(),
  dropList: DropList = NOTHING_DROPPED,
): Promise<CollectResult> {
  const { events, defaultType, sentAt } = eventsOf(request.path, request.body);
  const valid: SerializedEvent[] = [];
  const quarantined: QuarantinedEvent[] = [];
  const errors: CollectResult['errors'] = [];
  const tally = new OutcomeTally();
  const receivedAt = new Date(now).toISOString();
  const ctx = {
    projectId: request.projectId,
    receivedAt: now,
    receivedAtIso: receivedAt,
    defaultType,
    batchSentAt: sentAt,
    meta: request.meta,
    invalidUtf8: request.invalidUtf8,
  };
  events.forEach((raw, index) => {
    const piped = pipeline(raw, ctx);
    // An erased user's new events are not kept: answered like the others (an SDK must not
    // retry them), counted, never stored.
    const result: PipelineResult | Drop =
      piped.kind === 'ok' && dropList.drops(request.projectId, piped.value.userId, piped.value.anonymousId)
        ? { kind: 'drop', reason: 'erased_user' }
        : piped;
    tally.add(result);
    if (result.kind === 'ok') valid.push({ event: result.value, json: result.json });
    else if (result.kind === 'quarantine') {
      errors.push({ index, reason: result.reason });
      // An oversized event is kept as a stub: the reason is what matters, the payload is the problem.
      const kept = result.oversized ? null : raw;
      quarantined.push({ projectId: request.projectId, reason: result.reason, receivedAt, raw: kept });
    }
  });
  await sink.publish(valid, quarantined);
  // Counted once the broker holds them: a scrape says what was acknowledged, not attempted.
  tally.count('ingest');
  if (valid.length > 0) ingestEvents.inc({ project: request.projectId, outcome: 'accepted' }, valid.length);
  if (quarantined.length > 0)
    ingestEvents.inc({ project: request.projectId, outcome: 'quarantined' }, quarantined.length);
  for (const c of tally.entries())
    if (c.kind === 'quarantine') ingestQuarantined.inc({ project: request.projectId, cause: c.reason }, c.n);
  const dropped = tally.of('drop');
  if (dropped > 0) ingestDropped.inc({ project: request.projectId, reason: 'erased_user' }, dropped);
  return {
    accepted: valid.length,
    quarantined: quarantined.length,
    errors,
    ...(dropped > 0 ? { dropped } : {}),
  };
}
