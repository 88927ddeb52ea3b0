import { createHmac, randomBytes } from 'node:crypto';
import { localFiles } from './lake/local-storage';
import type { LakeSettings } from './lake/open-lake';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BATCH_ENGINES, type BatchEngineName } from './batch-engines';
import { ConfigError } from './errors';
import { DEFAULT_TOPICS } from './topics';

/**
 * Settings, read once at start-up from the environment and validated; passed down explicitly
 * (no process.env deep in the code). Every default is the local single-machine setup; production
 * points at real clusters by setting the variables in the README.
 */
export interface Config {
  env: 'local' | 'production';
  stateDir: string;
  ingest: {
    host: string;
    port: number;
    /** Events per second per write key (0 = unlimited); bursts up to twice that. */
    rateLimit: number;
    lingerMs: number;
    maxBatchEvents: number;
    ackTimeoutMs: number;
    trustProxy: boolean;
    /** Key of the IP address hash; derived from JWT_SECRET unless IP_HASH_SECRET is set. */
    ipHashKey: string;
  };
  api: { host: string; port: number };
  /**
   * The ops port (Prometheus /metrics): `port` exactly when OPS_PORT is set, else the first free
   * of 9464 and the ports after it (one per process on a machine).
   */
  ops: { host: string; port: number; fixed: boolean };
  /** The overview's WebSocket feed: snapshot interval, and how much a slow client may have queued. */
  live: { intervalMs: number; maxBufferedBytes: number; pingMs: number; eventsLimit: number };
  kafka: {
    brokers: string[];
    clientId: string;
    topics: { events: string; quarantine: string; derived: string; deadletter: string };
    /** Consumer group ids; a prefix separates deployments (or tests) sharing one cluster. */
    groups: { speed: string; archiver: string };
    partitions: number;
    /** How long a silent consumer keeps its partitions; a crashed one holds them this long. */
    sessionTimeoutMs: number;
    /** TLS to the brokers (managed clusters require it). */
    ssl: boolean;
    /** SASL authentication; absent for a local broker. */
    sasl?: KafkaSasl;
  };
  clickhouse: { url?: string; chdbPath: string; database: string };
  speed: {
    /** Events older than this (vs. when they arrived) stay out of the speed view. At most the raw table's 48 h TTL. */
    horizonMs: number;
    /** An event arriving this long after its hour ended marks the hour for late-data repair. */
    lateAfterMs: number;
    /** Client duplicates (same messageId) within this window are dropped by the speed layer. */
    dedupWindowMs: number;
    /** Consumers in this process (embedded ClickHouse keeps them in one process). */
    consumers: number;
    /** Task queue of the speed view's maintenance activities (erasures), polled by the speed role. */
    taskQueue: string;
  };
  erasure: {
    /** How long ingest drops new events of an erased user. */
    dropMs: number;
    /** How often collectors reload the drop list; an erasure waits two periods before reading. */
    dropListRefreshMs: number;
  };
  lake: LakeSettings & {
    fetchWaitMs: number;
  };
  batch: {
    /** The engine of runs that do not name one (schedules, runs started without `engine`). */
    engine: BatchEngineName;
    bigquery: BigQuerySettings;
  };
  /**
   * Named points where a process stops and waits to be killed (PLATFORM_FAILPOINTS=a,b): tests
   * of exactly-once kill a worker at an exact step. Refused in production.
   */
  failpoints: string[];
  temporal: {
    address: string;
    namespace: string;
    /** TLS to the frontend (Temporal Cloud requires it; implied by an API key). */
    tls: boolean;
    /** Temporal Cloud API key, sent as a bearer token. */
    apiKey?: string;
    taskQueue: string;
    uiUrl: string;
    /** Whether the worker creates/updates the Temporal Schedules at start. */
    schedules: boolean;
    /** Cadence of the late-data-repair schedule. */
    repairEverySeconds: number;
  };
  auth: { jwtSecret: string; writeKeysFile: string };
  /** PostgreSQL, the metadata store: saved dashboards and the other definitions the platform owns. */
  metadata: { url: string };
  reports: {
    /** Task queue of the report activities, polled by the serving role (it holds the merged views). */
    taskQueue: string;
    /** Sender of report emails: an address, or `Name <address>`. */
    from: string;
    smtp: {
      host: string;
      port: number;
      /** off: plain SMTP (the local server); starttls: upgrade, required; tls: TLS from the start (465). */
      tls: 'off' | 'starttls' | 'tls';
      user?: string;
      password?: string;
      /** PEM file of a CA to trust besides the system's (a mail relay with a private CA). */
      caFile?: string;
    };
    /** Which (report, period, recipient) emails were sent: shared by every serving process. */
    ledgerDir: string;
    /**
     * Whether the ledger lives beside the lake (its bucket, under `reports-deliveries/`): when the
     * lake is on an object store and REPORTS_LEDGER_DIR is not set, so that serving processes on
     * several machines share it.
     */
    ledgerOnLake: boolean;
  };
}

/**
 * How roles authenticate to Kafka: a user and password (PLAIN or SCRAM), or, on Google Cloud's
 * managed Kafka, OAUTHBEARER with the role's own service account (Application Default
 * Credentials: no key anywhere).
 */
export type KafkaSasl =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  | { mechanism: 'google-oauthbearer' };

export const KAFKA_SASL_MECHANISMS = [
  'none',
  'plain',
  'scram-sha-256',
  'scram-sha-512',
  'google-oauthbearer',
] as const;

export interface BigQuerySettings {
  projectId: string;
  /** The BigQuery emulator's address locally; Google's when absent. */
  endpoint?: string;
  location: string;
  /** Dataset of the raw events table (created by operators; the engine creates the table). */
  dataset: string;
  /** Cost guard: no query may bill more (checked by a dry run first, and enforced by BigQuery). */
  maxBytesBilled: number;
  /**
   * Where load jobs read the hour's file from: gs://bucket/prefix. Locally `dir` is the folder the
   * emulator reads gs:// URIs under; in production the files go to that Cloud Storage bucket.
   */
  staging: { bucket: string; prefix: string; dir?: string };
}

type Env = Record<string, string | undefined>;

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

class Reader {
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
    return this.value(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.value(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
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
    return this.int(name, fallback, 0, 65535);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.str(name, fallback);
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got '${raw}')`);
      return fallback;
    }
    return raw as T;
  }

  /** Two settings that go together: both values, or neither (a problem when only one is set). */
  pair(a: string, b: string): [string, string] | undefined {
    const [x, y] = [this.optional(a), this.optional(b)];
    if ((x === undefined) !== (y === undefined))
      this.problems.push(`${a} and ${b} go together: set both or neither`);
    return x !== undefined && y !== undefined ? [x, y] : undefined;
  }

  url(name: string): string | undefined {
    const raw = this.optional(name);
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

/** Reads and validates the configuration; throws one ConfigError naming every mistake. */
export function loadConfig(env: Env = process.env, repoRoot = resolve(__dirname, '..')): Config {
  const r = new Reader(env);
  const mode = r.oneOf('PLATFORM_ENV', ['local', 'production'] as const, 'local');
  const stateDir = resolve(r.str('PLATFORM_STATE_DIR', join(repoRoot, '.local')));
  const brokers = r
    .str('KAFKA_BROKERS', `localhost:${r.port('KAFKA_PORT', 9092)}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(b))
      r.problems.push(`KAFKA_BROKERS must be host:port[,host:port...] (got '${b}')`);
  }
  const jwtSecret = r.optional('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    r.problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (mode === 'production' && r.optional('PLATFORM_FAILPOINTS') !== undefined) {
    r.problems.push('PLATFORM_FAILPOINTS stops processes on purpose (tests only): unset it in production');
  }
  if (mode === 'production' && jwtSecret === undefined) {
    r.problems.push('JWT_SECRET is required when PLATFORM_ENV=production');
  }
  const temporalPort = r.port('TEMPORAL_PORT', 7233);
  const smtpUser = r.optional('SMTP_USER');
  const smtpPassword = r.optional('SMTP_PASSWORD');
  const smtpCaFile = r.optional('SMTP_CA_FILE');
  if (smtpCaFile !== undefined && !localFiles.exists(smtpCaFile)) {
    r.problems.push(`SMTP_CA_FILE names a file that does not exist ('${smtpCaFile}')`);
  }
  const config: Config = {
    env: mode,
    stateDir,
    ingest: {
      host: r.str('INGEST_HOST', '127.0.0.1'),
      port: r.port('INGEST_PORT', 8080),
      rateLimit: r.int('INGEST_RATE_LIMIT', 100_000, 0, 100_000_000),
      lingerMs: r.int('INGEST_LINGER_MS', 50, 0, 10_000),
      maxBatchEvents: r.int('INGEST_MAX_BATCH_EVENTS', 1000, 1, 100_000),
      ackTimeoutMs: r.int('INGEST_ACK_TIMEOUT_MS', 10_000, 100, 600_000),
      trustProxy: r.oneOf('INGEST_TRUST_PROXY', ['true', 'false'] as const, 'false') === 'true',
      ipHashKey: r.optional('IP_HASH_SECRET') ?? '',
    },
    api: { host: r.str('API_HOST', '127.0.0.1'), port: r.port('API_PORT', 3000) },
    ops: {
      host: r.str('OPS_HOST', '127.0.0.1'),
      port: r.port('OPS_PORT', 9464),
      fixed: env.OPS_PORT !== undefined && env.OPS_PORT !== '',
    },
    live: {
      intervalMs: r.int('LIVE_INTERVAL_MS', 1000, 5, 60_000),
      maxBufferedBytes: r.int('LIVE_MAX_BUFFERED_BYTES', 1 << 20, 1024, 1 << 30),
      pingMs: r.int('LIVE_PING_MS', 10_000, 100, 600_000),
      eventsLimit: r.int('LIVE_EVENTS_LIMIT', 50, 1, 1000),
    },
    kafka: {
      brokers,
      clientId: r.str('KAFKA_CLIENT_ID', 'analytics-platform'),
      topics: {
        events: r.str('TOPIC_EVENTS', DEFAULT_TOPICS.events),
        quarantine: r.str('TOPIC_QUARANTINE', DEFAULT_TOPICS.quarantine),
        derived: r.str('TOPIC_DERIVED', DEFAULT_TOPICS.derived),
        deadletter: r.str('TOPIC_DEADLETTER', DEFAULT_TOPICS.deadletter),
      },
      groups: {
        speed: `${r.str('KAFKA_GROUP_PREFIX', '')}speed-layer`,
        archiver: `${r.str('KAFKA_GROUP_PREFIX', '')}lake-archiver`,
      },
      partitions: r.int('KAFKA_PARTITIONS', 4, 1, 1024),
      sessionTimeoutMs: r.int('KAFKA_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
      ...kafkaSecurity(r),
    },
    clickhouse: {
      url: r.url('CLICKHOUSE_URL'),
      chdbPath: resolve(r.str('CHDB_PATH', join(stateDir, 'chdb'))),
      database: r.str('CLICKHOUSE_DATABASE', 'analytics'),
    },
    speed: {
      horizonMs: r.int('SPEED_HORIZON_HOURS', 48, 1, 48) * 3_600_000,
      // 0: any event for an hour that has ended marks it. The hourly run reads the lake minutes
      // after the hour, while the archiver may still be writing its last events: a marker makes
      // the repair check the hour again (a view that already holds them is kept as it is).
      lateAfterMs: r.int('LATE_AFTER_MINUTES', 0, 0, 24 * 60) * 60_000,
      dedupWindowMs: r.int('SPEED_DEDUP_WINDOW_MINUTES', 10, 0, 24 * 60) * 60_000,
      consumers: r.int('SPEED_CONSUMERS', 1, 1, 64),
      taskQueue: r.str('SPEED_TASK_QUEUE', 'analytics-speed'),
    },
    erasure: {
      dropMs: r.int('ERASURE_DROP_DAYS', 30, 0, 3650) * 86_400_000,
      dropListRefreshMs: r.int('ERASURE_DROP_LIST_REFRESH_MS', 2000, 100, 60_000),
    },
    lake: {
      root: resolve(r.str('LAKE_ROOT', join(stateDir, 'lake'))),
      ...lakeOnObjectStore(r),
      httpfs: {
        extensionDir: resolve(r.str('DUCKDB_EXTENSION_DIR', join(stateDir, 'duckdb-extensions'))),
        ...httpfsFile(r),
      },
      fetchWaitMs: r.int('LAKE_FETCH_WAIT_MS', 10_000, 0, 600_000),
    },
    batch: {
      engine: r.oneOf('BATCH_ENGINE', BATCH_ENGINES, 'duckdb'),
      bigquery: bigQuerySettings(r, mode, stateDir),
    },
    failpoints: (r.optional('PLATFORM_FAILPOINTS') ?? '').split(',').filter(Boolean),
    temporal: {
      address: r.str('TEMPORAL_ADDRESS', `localhost:${temporalPort}`),
      namespace: r.str('TEMPORAL_NAMESPACE', 'default'),
      ...temporalSecurity(r),
      taskQueue: r.str('TEMPORAL_TASK_QUEUE', 'analytics-batch'),
      uiUrl: r.str('TEMPORAL_UI_URL', `http://localhost:${r.port('TEMPORAL_UI_PORT', 8233)}`),
      schedules: r.oneOf('TEMPORAL_SCHEDULES', ['true', 'false'] as const, 'true') === 'true',
      repairEverySeconds: r.int('LATE_REPAIR_EVERY_SECONDS', 120, 10, 24 * 3600),
    },
    metadata: {
      url: r.str('DATABASE_URL', `postgres://platform@127.0.0.1:${r.port('POSTGRES_PORT', 5432)}/platform`),
    },
    auth: {
      jwtSecret: jwtSecret ?? '',
      writeKeysFile: resolve(r.str('WRITE_KEYS_FILE', join(stateDir, 'write-keys.json'))),
    },
    reports: {
      taskQueue: r.str('REPORTS_TASK_QUEUE', 'analytics-reports'),
      from: r.str('REPORTS_FROM', 'Analytics reports <reports@analytics.local>'),
      smtp: {
        host: r.str('SMTP_HOST', 'localhost'),
        port: r.port('SMTP_PORT', r.port('MAIL_SMTP_PORT', 1025)),
        tls: r.oneOf('SMTP_TLS', ['off', 'starttls', 'tls'] as const, 'off'),
        ...(smtpUser !== undefined ? { user: smtpUser, password: smtpPassword ?? '' } : {}),
        ...(smtpCaFile !== undefined ? { caFile: resolve(smtpCaFile) } : {}),
      },
      ledgerDir: resolve(r.str('REPORTS_LEDGER_DIR', join(stateDir, 'reports', 'deliveries'))),
      ledgerOnLake: r.optional('REPORTS_LEDGER_DIR') === undefined && r.optional('LAKE_URL') !== undefined,
    },
  };
  if (!/^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/.test(config.reports.from)) {
    r.problems.push(`REPORTS_FROM must be an address or 'Name <address>' (got '${config.reports.from}')`);
  }
  if ((smtpUser === undefined) !== (smtpPassword === undefined)) {
    r.problems.push('SMTP_USER and SMTP_PASSWORD go together: set both or neither');
  }
  if (mode === 'production' && config.reports.smtp.tls === 'off' && smtpUser !== undefined) {
    r.problems.push('SMTP_TLS=off would send SMTP_PASSWORD in clear text: set SMTP_TLS=starttls or tls');
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.clickhouse.database)) {
    r.problems.push(`CLICKHOUSE_DATABASE must be a plain identifier (got '${config.clickhouse.database}')`);
  }
  if (r.problems.length > 0) {
    throw new ConfigError(
      `invalid configuration: ${r.problems.join('; ')}`,
      'fix the environment variables named',
    );
  }
  if (config.auth.jwtSecret === '') config.auth.jwtSecret = localSecret(stateDir);
  if (config.ingest.ipHashKey === '') {
    config.ingest.ipHashKey = createHmac('sha256', config.auth.jwtSecret).update('ip-hash').digest('hex');
  }
  return config;
}

/** KAFKA_SSL and KAFKA_SASL_MECHANISM (with KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD for the password mechanisms). */
function kafkaSecurity(r: Reader): { ssl: boolean; sasl?: KafkaSasl } {
  const mechanism = r.oneOf('KAFKA_SASL_MECHANISM', KAFKA_SASL_MECHANISMS, 'none');
  // Credentials never travel in clear text: SASL turns TLS on unless it is switched off explicitly.
  const ssl =
    r.oneOf('KAFKA_SSL', ['true', 'false'] as const, mechanism === 'none' ? 'false' : 'true') === 'true';
  const login = r.pair('KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD');
  if (mechanism === 'none' || mechanism === 'google-oauthbearer') {
    if (login)
      r.problems.push(
        `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are not used with KAFKA_SASL_MECHANISM=${mechanism}: unset them`,
      );
    return mechanism === 'none' ? { ssl } : { ssl, sasl: { mechanism } };
  }
  if (!login) {
    r.problems.push(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
    return { ssl };
  }
  return { ssl, sasl: { mechanism, username: login[0], password: login[1] } };
}

/** TEMPORAL_TLS, and TEMPORAL_API_KEY (Temporal Cloud), which implies TLS. */
function temporalSecurity(r: Reader): { tls: boolean; apiKey?: string } {
  const apiKey = r.optional('TEMPORAL_API_KEY');
  const tls = r.oneOf('TEMPORAL_TLS', ['true', 'false'] as const, apiKey ? 'true' : 'false') === 'true';
  if (apiKey && !tls) r.problems.push('TEMPORAL_API_KEY is sent only over TLS: unset TEMPORAL_TLS=false');
  return { tls, ...(apiKey ? { apiKey } : {}) };
}

/**
 * LAKE_URL=s3://bucket/prefix puts the lake on S3 or an S3-compatible store (LAKE_S3_ENDPOINT,
 * e.g. MinIO); its credentials come from LAKE_S3_ACCESS_KEY_ID / LAKE_S3_SECRET_ACCESS_KEY, or the
 * environment's AWS credential chain when they are not set. LAKE_URL=gs://bucket/prefix puts it on
 * Google Cloud Storage (LAKE_GCS_ENDPOINT for a stand-in; Application Default Credentials, and an
 * HMAC key, LAKE_GCS_HMAC_KEY_ID / LAKE_GCS_HMAC_SECRET, for DuckDB's reads).
 */
function lakeOnObjectStore(r: Reader): Pick<LakeSettings, 's3' | 'gcs'> {
  const url = r.optional('LAKE_URL');
  if (url === undefined) return {};
  const m = /^(s3|gs):\/\/([a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(?:\/(.*?))?\/?$/.exec(url);
  if (!m) {
    r.problems.push(
      `LAKE_URL must be s3://bucket[/prefix] or gs://bucket[/prefix] (got '${url}'); unset it to keep the lake in LAKE_ROOT on this machine`,
    );
    return {};
  }
  const [, scheme, bucket, prefix] = m as unknown as [string, 's3' | 'gs', string, string | undefined];
  if (scheme === 'gs') {
    const endpoint = r.url('LAKE_GCS_ENDPOINT');
    const projectId = r.optional('LAKE_GCS_PROJECT');
    const hmac = r.pair('LAKE_GCS_HMAC_KEY_ID', 'LAKE_GCS_HMAC_SECRET');
    return {
      gcs: {
        bucket,
        prefix: prefix ?? '',
        ...(endpoint ? { endpoint } : {}),
        ...(projectId ? { projectId } : {}),
        ...(hmac ? { hmacKeyId: hmac[0], hmacSecret: hmac[1] } : {}),
      },
    };
  }
  const endpoint = r.url('LAKE_S3_ENDPOINT');
  const keys = r.pair('LAKE_S3_ACCESS_KEY_ID', 'LAKE_S3_SECRET_ACCESS_KEY');
  return {
    s3: {
      bucket,
      prefix: prefix ?? '',
      region: r.str('LAKE_S3_REGION', 'us-east-1'),
      ...(endpoint ? { endpoint } : {}),
      ...(keys ? { accessKeyId: keys[0], secretAccessKey: keys[1] } : {}),
    },
  };
}

/**
 * BigQuery, the batch layer's scale engine. Every default is the local emulator (./platform
 * services starts it); production sets BIGQUERY_PROJECT and BIGQUERY_STAGING_URL and leaves
 * BIGQUERY_ENDPOINT unset (Google's API, Application Default Credentials).
 */
function bigQuerySettings(r: Reader, mode: Config['env'], stateDir: string): BigQuerySettings {
  const local = mode !== 'production';
  const endpoint =
    r.url('BIGQUERY_ENDPOINT') ??
    (local ? `http://127.0.0.1:${r.port('BIGQUERY_EMULATOR_PORT', 9050)}` : undefined);
  const dataset = r.str('BIGQUERY_DATASET', 'analytics_batch');
  if (!/^\w{1,1024}$/.test(dataset))
    r.problems.push(`BIGQUERY_DATASET must be letters, digits and '_' (got '${dataset}')`);
  const projectId = r.str(
    'BIGQUERY_PROJECT',
    local ? r.str('BIGQUERY_EMULATOR_PROJECT', 'platform-local') : '',
  );
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId))
    r.problems.push(
      projectId === ''
        ? 'BIGQUERY_PROJECT is required when PLATFORM_ENV=production (the Google Cloud project of the batch dataset)'
        : `BIGQUERY_PROJECT must be a Google Cloud project id (got '${projectId}')`,
    );
  const url = r.str('BIGQUERY_STAGING_URL', 'gs://bigquery-staging/loads');
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(?:\/(.*?))?\/?$/.exec(url);
  if (!m) r.problems.push(`BIGQUERY_STAGING_URL must be gs://bucket[/prefix] (got '${url}')`);
  const dir = r.optional('BIGQUERY_STAGING_DIR') ?? (local ? join(stateDir, 'bigquery', 'gcs') : undefined);
  return {
    projectId,
    ...(endpoint ? { endpoint } : {}),
    location: r.str('BIGQUERY_LOCATION', 'US'),
    dataset,
    maxBytesBilled: r.int('BIGQUERY_MAX_BYTES_BILLED', 100 * 2 ** 30, 1, Number.MAX_SAFE_INTEGER),
    staging: { bucket: m?.[1] ?? 'invalid', prefix: m?.[2] ?? '', ...(dir ? { dir: resolve(dir) } : {}) },
  };
}

/**
 * The DuckDB httpfs extension to install for object-store lakes: DUCKDB_HTTPFS_EXTENSION, else the
 * file ./platform puts in the platform cache (from PyPI); without either DuckDB downloads it.
 */
function httpfsFile(r: Reader): { file?: string } {
  const given = r.optional('DUCKDB_HTTPFS_EXTENSION');
  if (given !== undefined) {
    if (!localFiles.exists(given))
      r.problems.push(`DUCKDB_HTTPFS_EXTENSION names a file that does not exist ('${given}')`);
    return { file: given };
  }
  const cache = resolve(r.str('PLATFORM_CACHE_DIR', join(homedir(), '.cache', 'lambda-analytics-platform')));
  const cached = join(cache, `duckdb-httpfs-${DUCKDB_VERSION}`, 'httpfs.duckdb_extension');
  return localFiles.exists(cached) ? { file: cached } : {};
}

/** The DuckDB release the engine is pinned to (package.json); extensions must match it. */
export const DUCKDB_VERSION = '1.5.5';

/** A per-checkout signing secret for local development, created once, never committed. */
function localSecret(stateDir: string): string {
  const file = join(stateDir, 'secrets', 'jwt-secret');
  if (!localFiles.exists(file)) {
    localFiles.ensureDir(join(stateDir, 'secrets'), 0o700);
    // Another role process may create it first (false): then theirs is used.
    localFiles.createExclusive(file, randomBytes(32).toString('base64url'), 0o600);
  }
  return localFiles.readText(file).trim();
}
