import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { ConfigError } from '../errors';

const state = () => mkdtempSync(join(tmpdir(), 'config-test-'));

describe('loadConfig', () => {
  it('defaults to the local single-machine setup and the contract names', () => {
    const c = loadConfig({ PLATFORM_STATE_DIR: state() });
    expect(c.ingest.port).toBe(8080);
    expect(c.api.port).toBe(3000);
    expect(c.kafka.brokers).toEqual(['localhost:9092']);
    expect(c.kafka.topics).toEqual({
      events: 'events',
      quarantine: 'events.quarantine',
      derived: 'events.derived',
      deadletter: 'events.deadletter',
    });
    expect(c.temporal).toMatchObject({ address: 'localhost:7233', taskQueue: 'analytics-batch' });
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it("keeps its state in the checkout's .local, beside the ./platform entry point", () => {
    const { stateDir } = loadConfig({});
    expect(basename(stateDir)).toBe('.local');
    expect(existsSync(join(dirname(stateDir), 'platform')), `${stateDir} is not at the checkout's root`).toBe(
      true,
    );
  });

  it('keeps the local secret stable across loads', () => {
    const dir = state();
    expect(loadConfig({ PLATFORM_STATE_DIR: dir }).auth.jwtSecret).toBe(
      loadConfig({ PLATFORM_STATE_DIR: dir }).auth.jwtSecret,
    );
  });

  it('points at clusters by configuration alone', () => {
    const c = loadConfig({
      PLATFORM_STATE_DIR: state(),
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      CLICKHOUSE_URL: 'https://ch.example:8443',
      TEMPORAL_ADDRESS: 'temporal.example:7233',
    });
    expect(c.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.clickhouse.url).toBe('https://ch.example:8443');
    expect(c.temporal.address).toBe('temporal.example:7233');
  });

  it('lists the three local brokers when KAFKA_LOCAL_BROKERS=3, and takes only 1 or 3', () => {
    const c = loadConfig({ PLATFORM_STATE_DIR: state(), KAFKA_LOCAL_BROKERS: '3', KAFKA_PORT: '19092' });
    expect(c.kafka.brokers).toEqual(['localhost:19092', 'localhost:19094', 'localhost:19096']);
    expect(() => loadConfig({ PLATFORM_STATE_DIR: state(), KAFKA_LOCAL_BROKERS: '2' })).toThrow(
      /KAFKA_LOCAL_BROKERS/,
    );
  });

  it('names every mistake in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PLATFORM_STATE_DIR: state(),
        INGEST_PORT: '99999',
        KAFKA_BROKERS: 'nohostport',
        CLICKHOUSE_URL: 'not a url',
        PLATFORM_ENV: 'production',
        SMTP_TLS: 'maybe',
        SMTP_USER: 'reports',
        REPORTS_FROM: 'nobody',
        SMTP_CA_FILE: '/nonexistent/ca.pem',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const line = (error as ConfigError).oneLine();
    expect(line).not.toContain('\n');
    for (const name of [
      'INGEST_PORT',
      'KAFKA_BROKERS',
      'CLICKHOUSE_URL',
      'JWT_SECRET',
      'SMTP_TLS',
      'SMTP_USER and SMTP_PASSWORD go together',
      'REPORTS_FROM',
      'SMTP_CA_FILE',
    ])
      expect(line).toContain(name);
  });

  it('reaches managed clusters: Kafka over TLS with SASL, Temporal Cloud with an API key', () => {
    const local = loadConfig({ PLATFORM_STATE_DIR: state() });
    expect(local.kafka).toMatchObject({ ssl: false });
    expect(local.kafka.sasl).toBeUndefined();
    expect(local.temporal).toMatchObject({ tls: false });
    expect(local.temporal.apiKey).toBeUndefined();

    const google = loadConfig({ PLATFORM_STATE_DIR: state(), KAFKA_SASL_MECHANISM: 'google-oauthbearer' });
    expect(google.kafka).toMatchObject({ ssl: true, sasl: { mechanism: 'google-oauthbearer' } });

    const scram = loadConfig({
      PLATFORM_STATE_DIR: state(),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'platform',
      KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(scram.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'platform',
      password: 'secret',
    });

    const cloud = loadConfig({ PLATFORM_STATE_DIR: state(), TEMPORAL_API_KEY: 'key' });
    expect(cloud.temporal).toMatchObject({ tls: true, apiKey: 'key' });

    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ PLATFORM_STATE_DIR: state(), ...env });
        return '';
      } catch (e) {
        return (e as ConfigError).oneLine();
      }
    };
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain' })).toContain(
      'KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    );
    expect(problems({ KAFKA_SASL_MECHANISM: 'kerberos' })).toContain('KAFKA_SASL_MECHANISM must be one of');
    expect(problems({ TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'false' })).toContain(
      'TEMPORAL_API_KEY is sent only over TLS',
    );
  });

  it('keeps the report ledger beside an object-store lake unless a folder is named', () => {
    expect(loadConfig({ PLATFORM_STATE_DIR: state() }).reports.ledgerOnLake).toBe(false);
    const s3 = { PLATFORM_STATE_DIR: state(), LAKE_URL: 's3://lake/prod' };
    expect(loadConfig(s3).reports.ledgerOnLake).toBe(true);
    expect(loadConfig({ ...s3, REPORTS_LEDGER_DIR: '/srv/ledger' }).reports.ledgerOnLake).toBe(false);
  });

  it('reads a secret setting from NAME_FILE, where orchestrators mount secrets', () => {
    const dir = state();
    const file = join(dir, 'jwt');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    expect(loadConfig({ PLATFORM_STATE_DIR: dir, JWT_SECRET_FILE: file }).auth.jwtSecret).toBe(
      's'.repeat(40),
    );
    // Only secrets: a port is not read from a file.
    expect(loadConfig({ PLATFORM_STATE_DIR: dir, API_PORT_FILE: file }).api.port).toBe(3000);
    expect(() => loadConfig({ PLATFORM_STATE_DIR: dir, DATABASE_URL_FILE: join(dir, 'missing') })).toThrow(
      /DATABASE_URL_FILE names a file that does not exist/,
    );
    // A secret URL that is not one is refused without being echoed.
    expect(() => loadConfig({ PLATFORM_STATE_DIR: dir, CLICKHOUSE_URL: 'default hunter2 at ch' })).toThrow(
      /^(?![\s\S]*hunter2)[\s\S]*CLICKHOUSE_URL must be a URL/,
    );
  });
});
