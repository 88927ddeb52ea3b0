import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { localFiles } from '../files/local-files';
import type { LakeSettings } from '../lake/open-lake';
import type { Reader } from './settings-reader';

/** The settings of one concern each (Kafka's login, Temporal's, the lake's store, BigQuery), read by loadConfig. */

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

/** KAFKA_SSL and KAFKA_SASL_MECHANISM (with KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD for the password mechanisms). */
export function kafkaSecurity(r: Reader): { ssl: boolean; sasl?: KafkaSasl } {
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
export function temporalSecurity(r: Reader): { tls: boolean; apiKey?: string } {
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
export function lakeOnObjectStore(r: Reader): Pick<LakeSettings, 's3' | 'gcs'> {
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
export function bigQuerySettings(
  r: Reader,
  mode: 'local' | 'production',
  stateDir: string,
): BigQuerySettings {
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
export function httpfsFile(r: Reader): { file?: string } {
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
