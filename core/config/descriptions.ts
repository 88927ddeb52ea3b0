/**
 * What each setting does, for the configuration reference (docs/configuration.md). Kept beside
 * the reader: a test fails when the code reads a setting without a line here, or a line names a
 * setting the code no longer reads.
 */
export const SETTING_DESCRIPTIONS: Record<string, string> = {
  PLATFORM_ENV:
    '`production` refuses local conveniences: JWT_SECRET and BIGQUERY_PROJECT become required, failpoints are refused.',
  PLATFORM_STATE_DIR:
    'Runtime state of this checkout: data of the local services, logs, local secrets, the lake on disk.',
  KAFKA_PORT: 'Port of the local broker (`./platform up` starts it there); the default of KAFKA_BROKERS.',
  KAFKA_BROKERS: 'The Kafka cluster, `host:port[,host:port...]`.',
  KAFKA_LOCAL_BROKERS:
    '`3` runs the local Kafka as three brokers on KAFKA_PORT, +2 and +4 (topics replicated 3 times, min.insync.replicas=2, as the Terraform module provisions); the default of KAFKA_BROKERS lists them.',
  JWT_SECRET:
    'Key signing query-API tokens and sessions, at least 32 characters. Locally a secret made once in `.local/secrets`; required in production.',
  TEMPORAL_PORT: 'Port of the local Temporal dev server; the default of TEMPORAL_ADDRESS.',
  SMTP_USER: 'Login at the mail relay reports are sent through.',
  SMTP_PASSWORD: 'Password of SMTP_USER; sent only over TLS in production.',
  SMTP_CA_FILE:
    "PEM file of a private CA the mail relay's certificate is signed by (besides the system's CAs).",
  INGEST_HOST: 'Address the collector listens on (`0.0.0.0` in a container).',
  INGEST_PORT: 'Port of the collector (the Segment HTTP API).',
  INGEST_RATE_LIMIT:
    'Events per second per write key (0: unlimited); bursts up to twice that. Over it: 429 with Retry-After.',
  INGEST_LINGER_MS:
    "How long a partition's records wait for more to join their produce request (librdkafka's linger.ms).",
  INGEST_MAX_BATCH_EVENTS: "Most records per produce request (librdkafka's batch.num.messages).",
  INGEST_ACK_TIMEOUT_MS:
    'How long a request waits for Kafka to acknowledge its events before answering 503 (the SDK retries).',
  INGEST_TRUST_PROXY: 'Take the client address from X-Forwarded-For (behind a load balancer that sets it).',
  IP_HASH_SECRET:
    "Key of the client address's hash stored with events (addresses are never stored); derived from JWT_SECRET when unset.",
  GEOIP_DIR:
    'Folder of a newer DB-IP City Lite release (`./platform geoip update` fills it); when it holds none, the release bundled with the platform places client addresses.',
  API_HOST: 'Address the serving API and web app listen on.',
  API_PORT: 'Port of the serving API and web app.',
  PUBLIC_URL:
    'Where people reach the web app (https://analytics.example.com): the base of emailed sign-in and invitation links. Default: http://API_HOST:API_PORT.',
  API_RATE_PER_MINUTE: 'Requests per minute per token or session on the API; over it: 429 with Retry-After.',
  API_PROJECT_RATE_PER_MINUTE: 'Requests per minute per project on the API, all its tokens together.',
  API_HEAVY_CONCURRENCY:
    'Queries on the engines running at once per project; more wait their turn (up to API_QUERY_TIMEOUT_MS).',
  API_QUERY_TIMEOUT_MS: 'How long a query may wait for its turn and run before it is refused (503).',
  API_SQL_MEMORY_MB:
    'Memory one analyst SQL query (POST /v1/sql) may use; past it the query fails with a 400.',
  API_MAX_ANSWER_BYTES: 'Largest answer the API sends; a bigger one is refused with a message to narrow it.',
  ADMIN_ALLOWED_CIDRS:
    'Networks admin routes may be called from (comma-separated CIDRs); unset: any. Others get 403.',
  AUDIT_RETENTION_DAYS: 'Days the audit log keeps its entries before they are deleted.',
  OPS_HOST: 'Address of the ops port (Prometheus /metrics).',
  OPS_PORT:
    'Ops port of the process; when unset, the first free port from 9464 (one per process on a machine).',
  LIVE_INTERVAL_MS: "How often the web app's live feed sends a snapshot.",
  LIVE_MAX_BUFFERED_BYTES: 'What a slow live-feed client may have queued before it is cut off.',
  LIVE_PING_MS: 'Live-feed ping interval; a client silent for two is closed.',
  LIVE_EVENTS_LIMIT: 'Latest events a live-feed snapshot carries.',
  KAFKA_CLIENT_ID: 'Client id the roles give Kafka (quotas and broker logs name it).',
  TOPIC_EVENTS: 'Topic of accepted events.',
  TOPIC_QUARANTINE: 'Topic of events refused by validation, kept for inspection and replay.',
  TOPIC_DERIVED: 'Topic of derived events (sessions).',
  TOPIC_DEADLETTER: 'Where consumers put records they cannot process (`./platform deadletter`).',
  KAFKA_GROUP_PREFIX: 'Prefix of the consumer groups: separates deployments sharing one cluster.',
  KAFKA_PARTITIONS: 'Partitions of the topics the platform creates.',
  KAFKA_SESSION_TIMEOUT_MS:
    'How long a silent consumer keeps its partitions (a crashed one holds them this long).',
  KAFKA_SASL_MECHANISM:
    "SASL login to the brokers; `google-oauthbearer` uses the role's service account (Google managed Kafka).",
  KAFKA_SSL: 'TLS to the brokers; on by default with SASL.',
  KAFKA_SASL_USERNAME: 'SASL user (plain and scram mechanisms).',
  KAFKA_SASL_PASSWORD: 'SASL password.',
  CLICKHOUSE_URL:
    'A ClickHouse server for the speed view (`http://user:pass@host:8123`); unset: chDB, ClickHouse in-process.',
  CHDB_PATH: "chDB's data folder (one process at a time).",
  CLICKHOUSE_DATABASE: "Database of the speed view's tables.",
  SPEED_HORIZON_HOURS:
    'Events older than this when they arrive stay out of the speed view (the batch layer has them).',
  SESSION_TIMEOUT_MINUTES:
    "A person's session ends after this many minutes without an event (GET /v1/sessions and the speed layer's session events).",
  LATE_AFTER_MINUTES: 'An event arriving this long after its hour ended marks the hour for late-data repair.',
  SPEED_DEDUP_WINDOW_MINUTES:
    'Client duplicates (same messageId) within this window are dropped by the speed layer.',
  SPEED_CONSUMERS: 'Speed consumers in one process.',
  SPEED_TASK_QUEUE: "Task queue of the speed view's maintenance (erasures), polled by the speed role.",
  ERASURE_DROP_DAYS: 'How long the collector drops new events of an erased user.',
  ERASURE_DROP_LIST_REFRESH_MS: 'How often collectors reload the erasure drop list.',
  LAKE_ROOT: 'The Parquet lake on this machine (when LAKE_URL is unset).',
  LAKE_URL: 'The lake on an object store: `s3://bucket[/prefix]` or `gs://bucket[/prefix]`.',
  DUCKDB_EXTENSION_DIR: "DuckDB's extension folder (httpfs, for a lake on an object store).",
  DUCKDB_HTTPFS_EXTENSION:
    "The httpfs extension file to install; else the one ./platform puts in the cache, else DuckDB's download.",
  PLATFORM_CACHE_DIR: 'Where installers keep what they fetch (jars, binaries, builds); shared by checkouts.',
  LAKE_FETCH_WAIT_MS:
    'How long the archiver waits to gather records before writing a file (larger files, fewer of them).',
  BATCH_ENGINE: 'Engine of batch runs that name none (schedules): DuckDB embedded, or BigQuery.',
  BIGQUERY_ENDPOINT: "A BigQuery emulator's address; unset in production (Google's API).",
  BIGQUERY_EMULATOR_PORT: 'Port of the local BigQuery emulator; the local default of BIGQUERY_ENDPOINT.',
  BIGQUERY_DATASET: 'Dataset of the raw events table (made by operators; the engine makes the table).',
  BIGQUERY_EMULATOR_PROJECT: "The emulator's project; the local default of BIGQUERY_PROJECT.",
  BIGQUERY_PROJECT: 'Google Cloud project of the batch dataset; required in production.',
  BIGQUERY_STAGING_URL: 'Where load jobs read the hour files from, `gs://bucket[/prefix]`.',
  BIGQUERY_STAGING_DIR: 'The folder the emulator reads `gs://` load URIs under (local only).',
  BIGQUERY_LOCATION: "The dataset's location.",
  BIGQUERY_MAX_BYTES_BILLED:
    'Cost guard: no query may bill more bytes (a dry run checks first; BigQuery enforces it).',
  PLATFORM_FAILPOINTS:
    'Tests only: named points where a process stops to be killed (`a,b`); refused in production.',
  TEMPORAL_ADDRESS: 'The Temporal frontend, `host:port`.',
  TEMPORAL_NAMESPACE: 'Temporal namespace of the workflows and schedules.',
  TEMPORAL_API_KEY: 'Temporal Cloud API key (sent as a bearer token; implies TLS).',
  TEMPORAL_TLS: 'TLS to the Temporal frontend.',
  TEMPORAL_TASK_QUEUE: 'Task queue of the batch workflows and activities.',
  TEMPORAL_UI_PORT: 'Port of the local Temporal Web UI; the default of TEMPORAL_UI_URL.',
  TEMPORAL_UI_URL: 'The Temporal Web UI, for links the CLI and the API print.',
  TEMPORAL_SCHEDULES: 'Whether the worker creates and updates the Temporal Schedules at start.',
  LATE_REPAIR_EVERY_SECONDS: 'Cadence of the late-data-repair schedule.',
  POSTGRES_PORT: 'Port of the local PostgreSQL; the default of DATABASE_URL.',
  DATABASE_URL: 'The metadata store (PostgreSQL): dashboards, definitions, keys, sessions, audit.',
  REPORTS_TASK_QUEUE: 'Task queue of the report activities, polled by the serving role.',
  REPORTS_FROM: 'Sender of report emails: an address, or `Name <address>`.',
  SMTP_HOST: 'The mail server reports are sent through.',
  MAIL_SMTP_PORT: 'SMTP port of the local mail server; the default of SMTP_PORT.',
  SMTP_PORT: "The mail server's port.",
  SMTP_TLS: '`starttls` (a required upgrade) or `tls` (465); `off` only for a local server.',
  REPORTS_LEDGER_DIR:
    'Ledger of sent emails (report, period, recipient), shared by the serving processes; beside the lake (`reports-deliveries/`) when LAKE_URL is set and this is not.',
  LAKE_S3_ENDPOINT: 'An S3-compatible store (MinIO); unset: AWS.',
  LAKE_S3_ACCESS_KEY_ID: "Access key of the lake's bucket; unset: the AWS credential chain.",
  LAKE_S3_SECRET_ACCESS_KEY: 'Secret of LAKE_S3_ACCESS_KEY_ID.',
  LAKE_S3_REGION: "The bucket's region.",
  LAKE_GCS_ENDPOINT: 'A stand-in for Cloud Storage (fake-gcs-server); unset: Google.',
  LAKE_GCS_PROJECT: "The bucket's Google Cloud project.",
  LAKE_GCS_HMAC_KEY_ID: "HMAC key DuckDB reads the lake with (Cloud Storage's S3 interoperability).",
  LAKE_GCS_HMAC_SECRET: 'Secret of LAKE_GCS_HMAC_KEY_ID.',
};
