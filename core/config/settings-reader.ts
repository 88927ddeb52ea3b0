import { localFiles } from '../files/local-files';

export type Env = Record<string, string | undefined>;

/**
 * Settings that carry a secret. Each may also be given as a file, NAME_FILE (where an orchestrator
 * mounts secrets: Secret Manager volumes, Kubernetes secrets), so it need not sit in the process
 * environment; deployments mark them secret (infra/terraform reads this list).
 */
export const SECRET_SETTINGS = [
  'JWT_SECRET',
  'IP_HASH_SECRET',
  'DATABASE_URL',
  'CLICKHOUSE_URL',
  'KAFKA_SASL_PASSWORD',
  'TEMPORAL_API_KEY',
  'SMTP_PASSWORD',
  'LAKE_S3_SECRET_ACCESS_KEY',
  'LAKE_GCS_HMAC_SECRET',
] as const;

/**
 * Settings that go together (both or neither, checked at start): a deployment that hands a role
 * one must hand it the other, the secret half included.
 */
export const SETTING_PAIRS = [
  ['SMTP_USER', 'SMTP_PASSWORD'],
  ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'],
  ['LAKE_GCS_HMAC_KEY_ID', 'LAKE_GCS_HMAC_SECRET'],
  ['LAKE_S3_ACCESS_KEY_ID', 'LAKE_S3_SECRET_ACCESS_KEY'],
] as const;

/** Read by the process outside loadConfig (logging). */
export const PROCESS_SETTINGS = ['LOG_LEVEL', 'TEMPORAL_LOG_LEVEL'] as const;

/** What the code says of one setting it reads: its kind, default, range or allowed values. */
export interface SettingRead {
  name: string;
  type?: 'text' | 'integer' | 'port' | 'one of' | 'URL';
  default?: string;
  range?: [number, number];
  allowed?: readonly string[];
  pairedWith?: string;
}

let recording: Map<string, SettingRead> | undefined;

/**
 * Every setting `read` asks for, with what the reader knows of it: the configuration reference
 * (docs/configuration.md) is generated from this, so it lists exactly what the code reads.
 */
export function recordSettings(read: () => void): SettingRead[] {
  const previous = recording;
  const seen = new Map<string, SettingRead>();
  recording = seen;
  try {
    read();
  } finally {
    recording = previous;
  }
  return [...seen.values()];
}

/** Later notes refine earlier ones: port() reads through int(), oneOf() through str(). */
function note(r: SettingRead): void {
  if (!recording) return;
  recording.set(r.name, { ...recording.get(r.name), ...r });
}

export class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private value(name: string): string | undefined {
    const v = this.env[name];
    if (v !== undefined && v !== '') return v;
    if (!(SECRET_SETTINGS as readonly string[]).includes(name)) return undefined;
    const file = this.env[`${name}_FILE`];
    if (file === undefined || file === '') return undefined;
    if (!localFiles.exists(file)) {
      this.problems.push(`${name}_FILE names a file that does not exist ('${file}')`);
      return undefined;
    }
    return localFiles.readText(file).trim();
  }

  str(name: string, fallback: string): string {
    note({ name, type: 'text', default: fallback });
    return this.value(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    note({ name });
    return this.value(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    note({ name, type: 'integer', default: String(fallback), range: [min, max] });
    const raw = this.value(name);
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return n;
  }

  port(name: string, fallback: number): number {
    const port = this.int(name, fallback, 0, 65535);
    note({ name, type: 'port' });
    return port;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.str(name, fallback);
    note({ name, type: 'one of', allowed });
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got '${raw}')`);
      return fallback;
    }
    return raw as T;
  }

  /** Two settings that go together: both values, or neither (a problem when only one is set). */
  pair(a: string, b: string): [string, string] | undefined {
    const [x, y] = [this.optional(a), this.optional(b)];
    note({ name: a, pairedWith: b });
    note({ name: b, pairedWith: a });
    if ((x === undefined) !== (y === undefined))
      this.problems.push(`${a} and ${b} go together: set both or neither`);
    return x !== undefined && y !== undefined ? [x, y] : undefined;
  }

  url(name: string): string | undefined {
    const raw = this.optional(name);
    note({ name, type: 'URL' });
    if (raw === undefined) return undefined;
    try {
      new URL(raw);
      return raw;
    } catch {
      // A secret one (credentials in the URL) is not echoed into logs.
      const got = (SECRET_SETTINGS as readonly string[]).includes(name)
        ? 'a value that is not a URL'
        : `'${raw}'`;
      this.problems.push(`${name} must be a URL such as http://localhost:8123 (got ${got})`);
      return undefined;
    }
  }
}
