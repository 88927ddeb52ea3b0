import { createHmac, randomBytes } from 'node:crypto';
import { isNetwork } from '../auth/networks';
import { localFiles } from '../files/local-files';
import type { LakeSettings } from '../lake/open-lake';
import { join, resolve } from 'node:path';
import {
  bigQuerySettings,
  httpfsFile,
  kafkaSecurity,
  lakeOnObjectStore,
  temporalSecurity,
  type BigQuerySettings,
  type KafkaSasl,
} from './sections';
import { Reader, type Env } from './settings-reader';
import { BATCH_ENGINES, type BatchEngineName } from '../batch-engines';
import { ConfigError } from '../errors';
import { DEFAULT_TOPICS } from '../kafka/topics';

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
    /** librdkafka's linger.ms: how long a partition's records wait for more to join their produce request. */
    lingerMs: number;
    /** librdkafka's batch.num.messages: most records per produce request. */
    maxBatchEvents: number;
    ackTimeoutMs: number;
    trustProxy: boolean;
    /** Key of the IP address hash; derived from JWT_SECRET unless IP_HASH_SECRET is set. */
    ipHashKey: string;
    /** A newer address-to-place database (`./platform geoip update`); the bundled one when it holds none. */
    geoipDir: string;
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
  /** A person's visit ends after this long without an event (sessions in the API, derived session events). */
  sessions: { timeoutMs: number };
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
  auth: { jwtSecret: string };
  /** Who may do what, and how much (serving-layer/auth/). */
  access: {
    /** Where people reach the web app: the base of emailed sign-in and invitation links. */
    publicUrl: string;
    /** Requests per minute on the API per token or session, and per project. */
    ratePerMinute: number;
    projectRatePerMinute: number;
    /** Heavy queries (routes that query the engines) running at once per project; more wait. */
    heavyConcurrency: number;
    /** How long a heavy query may wait for its turn and run. */
    queryTimeoutMs: number;
    /** Largest answer in bytes; a bigger one is refused, saying to narrow the question. */
    maxAnswerBytes: number;
    /** Memory one analyst SQL query may use in its engine (MB); past it, the query fails with a 400. */
    sqlMemoryMb: number;
    /** Networks (CIDR) admin routes are allowed from; empty: any. */
    adminAllowedCidrs: string[];
    /** Days the audit log keeps its entries. */
    auditRetentionDays: number;
  };
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

// Where they are defined now; importers of the configuration keep one entry point.
export { DUCKDB_VERSION, KAFKA_SASL_MECHANISMS, type BigQuerySettings, type KafkaSasl } from './sections';
export { PROCESS_SETTINGS, SECRET_SETTINGS, SETTING_PAIRS } from './settings-reader';

/**
 * The port of the local cluster's node `i` (from 0): KAFKA_PORT, +2, +4 for the brokers, and the
 * same steps from KAFKA_CONTROLLER_PORT for their controllers (the local Kafka service starts them
 * there; the default of KAFKA_BROKERS lists the brokers).
 */
export const localBrokerPort = (base: number, i: number): number => base + 2 * i;

/** Reads and validates the configuration; throws one ConfigError naming every mistake. */
export function loadConfig(env: Env = process.env, repoRoot = resolve(__dirname, '..', '..')): Config {
  const r = new Reader(env);
  const mode = r.oneOf('PLATFORM_ENV', ['local', 'production'] as const, 'local');
  const stateDir = resolve(r.str('PLATFORM_STATE_DIR', join(repoRoot, '.local')));
  const localBrokers = Number(r.oneOf('KAFKA_LOCAL_BROKERS', ['1', '3'] as const, '1'));
  const kafkaPort = r.port('KAFKA_PORT', 9092);
  const brokers = r
    .str(
      'KAFKA_BROKERS',
      Array.from({ length: localBrokers }, (_, i) => `localhost:${localBrokerPort(kafkaPort, i)}`).join(','),
    )
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
      lingerMs: r.int('INGEST_LINGER_MS', 5, 0, 10_000),
      maxBatchEvents: r.int('INGEST_MAX_BATCH_EVENTS', 1000, 1, 100_000),
      ackTimeoutMs: r.int('INGEST_ACK_TIMEOUT_MS', 10_000, 100, 600_000),
      trustProxy: r.oneOf('INGEST_TRUST_PROXY', ['true', 'false'] as const, 'false') === 'true',
      ipHashKey: r.optional('IP_HASH_SECRET') ?? '',
      geoipDir: resolve(r.str('GEOIP_DIR', join(stateDir, 'geoip'))),
    },
    api: { host: r.str('API_HOST', '127.0.0.1'), port: r.port('API_PORT', 3000) },
    access: {
      publicUrl: r.str('PUBLIC_URL', '').replace(/\/+$/, ''),
      ratePerMinute: r.int('API_RATE_PER_MINUTE', 1000, 1, 10_000_000),
      projectRatePerMinute: r.int('API_PROJECT_RATE_PER_MINUTE', 10_000, 1, 100_000_000),
      heavyConcurrency: r.int('API_HEAVY_CONCURRENCY', 4, 1, 1000),
      queryTimeoutMs: r.int('API_QUERY_TIMEOUT_MS', 60_000, 100, 3_600_000),
      maxAnswerBytes: r.int('API_MAX_ANSWER_BYTES', 64 << 20, 1024, 2 ** 31 - 1),
      sqlMemoryMb: r.int('API_SQL_MEMORY_MB', 2048, 64, 1 << 20),
      adminAllowedCidrs: cidrs(r, 'ADMIN_ALLOWED_CIDRS'),
      auditRetentionDays: r.int('AUDIT_RETENTION_DAYS', 400, 1, 36_500),
    },
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
    sessions: { timeoutMs: r.int('SESSION_TIMEOUT_MINUTES', 30, 1, 24 * 60) * 60_000 },
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
  if (config.access.publicUrl === '')
    config.access.publicUrl = `http://${config.api.host}:${config.api.port}`;
  if (config.ingest.ipHashKey === '') {
    config.ingest.ipHashKey = createHmac('sha256', config.auth.jwtSecret).update('ip-hash').digest('hex');
  }
  return config;
}

/** A per-checkout signing secret for local development, created once, never committed. */
/** A comma-separated list of networks (10.0.0.0/8, 2001:db8::/32, or one address); a bad one is a problem. */
function cidrs(r: Reader, name: string): string[] {
  const list = (r.optional(name) ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const c of list)
    if (!isNetwork(c))
      r.problems.push(`${name} has '${c}', which is not an address or network (such as 10.0.0.0/8)`);
  return list;
}

function localSecret(stateDir: string): string {
  const file = join(stateDir, 'secrets', 'jwt-secret');
  if (!localFiles.exists(file)) {
    localFiles.ensureDir(join(stateDir, 'secrets'), 0o700);
    // Another role process may create it first (false): then theirs is used.
    localFiles.createExclusive(file, randomBytes(32).toString('base64url'), 0o600);
  }
  return localFiles.readText(file).trim();
}
