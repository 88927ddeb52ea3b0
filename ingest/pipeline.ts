import type { AnalyticsEvent, EventType } from '../core/events/event';
import { normalizeEvent } from '../core/events/normalize';
import type { Ok, Quarantine, QuarantineCause } from '../core/events/outcome';
import { SchemaRegistry } from '../core/schemas/registry';
import { createEnricher, type RequestMeta } from './enrich';
import type { GeoDatabase } from './geo';

export interface PipelineContext {
  projectId: string;
  receivedAt: number;
  receivedAtIso: string;
  defaultType?: EventType;
  batchSentAt?: unknown;
  meta: RequestMeta;
  /** The body held invalid UTF-8, replaced by U+FFFD when decoded. */
  invalidUtf8: boolean;
}

/** A call's outcome at the collector (core/events/outcome.ts): an event, serialized once, or quarantine. */
export type PipelineResult = (Ok<AnalyticsEvent> & { json: string }) | Quarantine;
export type { QuarantineCause };

/** What the collector adds to an event (ids, times, hashes, parsed user agent) on top of the client's bytes. */
const ENRICHMENT_ALLOWANCE = 1024;

/**
 * One raw call in, one outcome out: size and encoding checks, normalization (event model, event
 * time, generic shape checks), the event's JSON Schema, then edge enrichment. Outcomes are data:
 * the collector routes `ok` to `events` (or drops it, for an erased user) and `quarantine` to
 * the quarantine topic.
 */
export function createEventPipeline(deps: {
  registry: SchemaRegistry;
  enrich: ReturnType<typeof createEnricher>;
  maxEventBytes: number;
}) {
  const tooLarge = `event is larger than ${deps.maxEventBytes} bytes`;
  return (raw: unknown, ctx: PipelineContext): PipelineResult => {
    if (ctx.invalidUtf8 && (JSON.stringify(raw) ?? '').includes('\uFFFD')) {
      return {
        kind: 'quarantine',
        reason: 'event contains invalid UTF-8',
        oversized: false,
        cause: 'encoding',
      };
    }
    const normalized = normalizeEvent(raw, ctx);
    if (normalized.kind !== 'ok') return { ...normalized, oversized: false, cause: 'event' };
    const event = normalized.value;
    const schema = deps.registry.check(event.event, event.properties);
    if (schema.kind === 'invalid')
      return { kind: 'quarantine', reason: schema.reason, oversized: false, cause: 'schema' };
    const value = deps.enrich({ ...event, schema: schema.schema }, ctx.meta);
    // Serialized once, here: the size limit is checked on what is stored, and the sink reuses it.
    const json = JSON.stringify(value);
    // Most events are far below the limit in characters; only near it are bytes counted.
    if (
      json.length * 3 > deps.maxEventBytes &&
      Buffer.byteLength(json) > deps.maxEventBytes + ENRICHMENT_ALLOWANCE
    ) {
      return { kind: 'quarantine', reason: tooLarge, oversized: true, cause: 'size' };
    }
    return { kind: 'ok', value, json };
  };
}

/**
 * The collector's pipeline as deployed: the stored event schemas, edge enrichment (places from
 * `geo` when given), 32 KB per event.
 */
export function createStandardPipeline(ipHashKey: string, geo?: GeoDatabase) {
  return createEventPipeline({
    registry: new SchemaRegistry(),
    enrich: createEnricher(ipHashKey, geo),
    maxEventBytes: 32 * 1024,
  });
}
