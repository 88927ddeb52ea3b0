import { localFiles } from '../files/local-files';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/** A JSON Schema document as stored under core/schemas/events/<event>/v<N>.json. */
export type JsonSchema = Record<string, unknown>;

export interface SchemaVersion {
  event: string;
  version: number;
  schema: JsonSchema;
}

export type SchemaCheck = { kind: 'ok'; schema: string | null } | { kind: 'invalid'; reason: string };

const EVENTS_DIR = join(__dirname, 'events');

/** Every stored version, per event name, in version order. */
export function loadSchemaVersions(dir = EVENTS_DIR): Map<string, SchemaVersion[]> {
  const byEvent = new Map<string, SchemaVersion[]>();
  for (const event of localFiles.list(dir)) {
    const versions = localFiles
      .list(join(dir, event))
      .map((f) => /^v(\d+)\.json$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({
        event,
        version: Number(m[1]),
        schema: JSON.parse(localFiles.readText(join(dir, event, m[0]))) as JsonSchema,
      }))
      .sort((a, b) => a.version - b.version);
    if (versions.length > 0) byEvent.set(event, versions);
  }
  return byEvent;
}

/**
 * Validates event properties against the latest schema version of their event name, compiled once.
 * Every version is backward compatible with the one before (checked by a test and
 * `./platform schema check`), so the latest accepts what older clients send. Events without a
 * schema (custom events) pass here; the generic checks in normalize still apply.
 */
export class SchemaRegistry {
  private readonly validators = new Map<string, { version: number; validate: ValidateFunction }>();
  private readonly ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

  constructor(versions: Map<string, SchemaVersion[]> = loadSchemaVersions()) {
    for (const [event, list] of versions) {
      const latest = list[list.length - 1];
      if (!latest) continue;
      this.validators.set(event, { version: latest.version, validate: this.ajv.compile(latest.schema) });
    }
  }

  events(): string[] {
    return [...this.validators.keys()].sort();
  }

  check(event: string, properties: Record<string, unknown>): SchemaCheck {
    const v = this.validators.get(event);
    if (!v) return { kind: 'ok', schema: null };
    if (v.validate(properties)) return { kind: 'ok', schema: `${event}@${v.version}` };
    const detail = this.ajv.errorsText(v.validate.errors, { dataVar: 'properties', separator: '; ' });
    return { kind: 'invalid', reason: `${event} schema v${v.version}: ${detail}` };
  }
}
