import type { EventType } from '../core/event';
import { normalizeEvent, type NormalizeResult } from '../core/normalize';
import type { SchemaRegistry } from '../core/schemas/registry';
import type { RequestMeta } from './enrich';
import type { createEnricher } from './enrich';

export interface PipelineContext {
  projectId: string;
  receivedAt: number;
  defaultType?: EventType;
  batchSentAt?: unknown;
  meta: RequestMeta;
  /** The body held invalid UTF-8, replaced by U+FFFD when decoded. */
  invalidUtf8: boolean;
}

/**
 * One raw call in, one outcome out: size and encoding checks, normalization (event model, event
 * time, generic shape checks), the event's JSON Schema, then edge enrichment. Outcomes are data:
 * the collector routes `ok` to `events` and `quarantine` to the quarantine topic.
 */
export function createEventPipeline(deps: {
  registry: SchemaRegistry;
  enrich: ReturnType<typeof createEnricher>;
  maxEventBytes: number;
}) {
  return (raw: unknown, ctx: PipelineContext): NormalizeResult & { size: number } => {
    const json = JSON.stringify(raw) ?? '';
    const size = Buffer.byteLength(json);
    if (size > deps.maxEventBytes) {
      return { kind: 'quarantine', reason: `event is larger than ${deps.maxEventBytes} bytes`, size };
    }
    if (ctx.invalidUtf8 && json.includes('\uFFFD')) {
      return { kind: 'quarantine', reason: 'event contains invalid UTF-8', size };
    }
    const normalized = normalizeEvent(raw, ctx);
    if (normalized.kind !== 'ok') return { ...normalized, size };
    const event = normalized.value;
    const schema = deps.registry.check(event.event, event.properties);
    if (schema.kind === 'invalid') return { kind: 'quarantine', reason: schema.reason, size };
    return { kind: 'ok', value: deps.enrich({ ...event, schema: schema.schema }, ctx.meta), size };
  };
}
