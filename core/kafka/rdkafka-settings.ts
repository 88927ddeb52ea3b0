import type { ProducerGlobalConfig } from '@confluentinc/kafka-javascript';
import type { Config } from '../config/config';
import { googleKafkaTokenSource } from './auth';

/**
 * The connection and login part of a librdkafka client's settings, from the same configuration
 * the kafkajs clients read (brokers, client id, TLS, SASL), so both kinds of client reach the same
 * cluster the same way.
 */
export function rdkafkaConnection(config: Config): ProducerGlobalConfig {
  const { brokers, clientId, ssl, sasl } = config.kafka;
  const settings: ProducerGlobalConfig = {
    'bootstrap.servers': brokers.join(','),
    'client.id': clientId,
    'security.protocol': sasl ? (ssl ? 'sasl_ssl' : 'sasl_plaintext') : ssl ? 'ssl' : 'plaintext',
  };
  if (!sasl) return settings;
  if (sasl.mechanism !== 'google-oauthbearer') {
    return {
      ...settings,
      'sasl.mechanisms': sasl.mechanism.toUpperCase(),
      'sasl.username': sasl.username,
      'sasl.password': sasl.password,
    };
  }
  const token = googleKafkaTokenSource();
  return {
    ...settings,
    'sasl.mechanisms': 'OAUTHBEARER',
    // librdkafka calls this before the token it holds expires; a promise is the token.
    oauthbearer_token_refresh_cb: async () => {
      const t = await token();
      return { tokenValue: t.value, lifetime: t.expiresAt, principal: t.principal };
    },
  };
}
