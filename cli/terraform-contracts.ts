import { join } from 'node:path';
import { EVENTS_TABLE_CONTRACT } from '../batch-layer/bigquery-engine';
import { loadConfig, PROCESS_SETTINGS, SECRET_SETTINGS, SETTING_PAIRS } from '../core/config/config';
import { ConfigError } from '../core/errors';
import { localFiles } from '../core/files/local-files';
import { SEARCH_ATTRIBUTES } from '../core/temporal/search-attributes';
import { DEFAULT_TOPICS } from '../core/kafka/topics';
import { LEDGER_PREFIX } from '../serving-layer/reports/delivery-ledger';
import { SCHEDULE_IDS, WORKFLOW_TYPES } from '../workflows/ids';
import { EVENTS } from '../core/lake/layout';
import { ROLES } from './roles';

/** The generated file infra/terraform reads the code's names from (see renderContracts). */
export const CONTRACTS_FILE = join(__dirname, '..', 'infra', 'terraform', 'contracts.auto.tfvars.json');

/**
 * Every environment variable loadConfig reads, found by running it under environments that take
 * each of its branches (local, production, each lake, each Kafka and Temporal login) with an
 * environment that records what is asked of it: a setting added to the code appears here without
 * anyone listing it.
 */
function settingsRead(): string[] {
  const read = new Set<string>();
  const probe = (env: Record<string, string>) => {
    const recording = new Proxy(env, {
      get: (target, name) => {
        if (typeof name === 'string') read.add(name);
        return target[name as string];
      },
    });
    try {
      loadConfig(recording);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
  };
  // A JWT secret always: without one loadConfig would create a local secret file.
  const base = { JWT_SECRET: 'x'.repeat(32), PLATFORM_STATE_DIR: '/nonexistent-state' };
  probe(base);
  for (const lake of ['s3://lake/prefix', 'gs://lake/prefix'])
    probe({ ...base, PLATFORM_ENV: 'production', LAKE_URL: lake, BIGQUERY_PROJECT: 'analytics-prod' });
  probe({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
  probe({ ...base, TEMPORAL_API_KEY: 'k' });
  for (const s of SECRET_SETTINGS) read.add(`${s}_FILE`);
  for (const s of PROCESS_SETTINGS) read.add(s);
  return [...read].sort();
}

/** The names the code relies on, as infra/terraform's `contracts` variable. */
export function renderContracts(): Record<string, unknown> {
  const defaults = loadConfig({ JWT_SECRET: 'x'.repeat(32), PLATFORM_STATE_DIR: '/nonexistent-state' });
  return {
    contracts: {
      roles: [...ROLES],
      topics: { ...DEFAULT_TOPICS },
      consumer_groups: { ...defaults.kafka.groups },
      task_queues: {
        batch: defaults.temporal.taskQueue,
        reports: defaults.reports.taskQueue,
        speed: defaults.speed.taskQueue,
      },
      search_attributes: { ...SEARCH_ATTRIBUTES },
      workflow_types: { ...WORKFLOW_TYPES },
      // The fixed ones (report schedules are named per report).
      schedule_ids: Object.fromEntries(Object.entries(SCHEDULE_IDS).filter(([, v]) => typeof v === 'string')),
      ports: { ingest: defaults.ingest.port, api: defaults.api.port, ops: defaults.ops.port },
      health_path: '/health',
      metrics_path: '/metrics',
      clickhouse_database: defaults.clickhouse.database,
      bigquery: {
        dataset: defaults.batch.bigquery.dataset,
        events_table: EVENTS_TABLE_CONTRACT.name,
        events_schema: EVENTS_TABLE_CONTRACT.fields.map((f) => ({ name: f.name, type: f.type })),
        partition_type: EVENTS_TABLE_CONTRACT.timePartitioning.type,
        partition_field: EVENTS_TABLE_CONTRACT.timePartitioning.field,
        clustering: EVENTS_TABLE_CONTRACT.clustering,
        keep_loads_hours: EVENTS_TABLE_CONTRACT.keepLoadsHours,
      },
      lake_prefixes: {
        events: `${EVENTS}/`,
        quarantine: 'quarantine/',
        views: 'views/',
        ledger: `${LEDGER_PREFIX}/`,
      },
      settings: settingsRead(),
      secret_settings: [...SECRET_SETTINGS],
      setting_pairs: SETTING_PAIRS.map((p) => [...p]),
    },
  };
}

export const contractsText = () => `${JSON.stringify(renderContracts(), null, 2)}\n`;

/** Writes the file; true when it changed. */
export function writeContracts(): boolean {
  const text = contractsText();
  if (localFiles.readTextIfExists(CONTRACTS_FILE) === text) return false;
  localFiles.writeAtomically(CONTRACTS_FILE, text);
  return true;
}

/** Whether the committed file differs from what the code renders now. */
export const contractsStale = (file = CONTRACTS_FILE) =>
  localFiles.readTextIfExists(file) !== contractsText();
