import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { ConfigError } from './errors';

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
});
