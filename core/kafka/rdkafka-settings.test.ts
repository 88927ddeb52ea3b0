import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { rdkafkaConnection } from './rdkafka-settings';

const configWith = (env: Record<string, string>) =>
  loadConfig({ PLATFORM_STATE_DIR: mkdtempSync(join(tmpdir(), 'rdkafka-settings-')), ...env });

describe("librdkafka's connection settings", () => {
  it('reach the local broker in clear text', () => {
    expect(rdkafkaConnection(configWith({ KAFKA_BROKERS: 'a:9092,b:9092' }))).toEqual({
      'bootstrap.servers': 'a:9092,b:9092',
      'client.id': 'analytics-platform',
      'security.protocol': 'plaintext',
    });
  });

  it('log in with SCRAM over TLS as the kafkajs clients do', () => {
    const settings = rdkafkaConnection(
      configWith({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'pw',
      }),
    );
    expect(settings).toMatchObject({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'svc',
      'sasl.password': 'pw',
    });
  });

  it("use Google's OAUTHBEARER token through librdkafka's refresh callback", () => {
    const settings = rdkafkaConnection(configWith({ KAFKA_SASL_MECHANISM: 'google-oauthbearer' }));
    expect(settings['security.protocol']).toBe('sasl_ssl');
    expect(settings['sasl.mechanisms']).toBe('OAUTHBEARER');
    expect(typeof settings.oauthbearer_token_refresh_cb).toBe('function');
  });
});
