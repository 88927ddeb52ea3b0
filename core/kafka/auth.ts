import { GoogleAuth } from 'google-auth-library';
import type { SASLOptions } from 'kafkajs';
import type { KafkaSasl } from '../config/config';

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/**
 * The OAUTHBEARER token Google Cloud's managed Kafka accepts: a JWT-shaped wrapper around the
 * role's OAuth access token (header alg GOOG_OAUTH2_TOKEN, payload naming the principal, the
 * access token in the signature's place), as Google's own client libraries build it.
 */
export function googleKafkaToken(
  accessToken: string,
  principal: string,
  expiresAt: number,
  now: number,
): string {
  const header = JSON.stringify({ typ: 'JWT', alg: 'GOOG_OAUTH2_TOKEN' });
  const payload = JSON.stringify({ exp: expiresAt / 1000, iss: 'Google', iat: now / 1000, sub: principal });
  return [b64url(header), b64url(payload), b64url(accessToken)].join('.');
}

/**
 * Fetches Google Cloud managed Kafka's OAUTHBEARER token from Application Default Credentials: the
 * workload's service account (Workload Identity on GKE, the service's identity on Cloud Run).
 */
export function googleKafkaTokenSource(): () => Promise<{
  value: string;
  principal: string;
  expiresAt: number;
}> {
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  return async () => {
    const client = await auth.getClient();
    const { token, res } = await client.getAccessToken();
    if (!token) throw new Error('Application Default Credentials gave no access token for Kafka');
    const { client_email: principal = '' } = await auth.getCredentials();
    const expiry = Number((res?.data as { expiry_date?: number } | undefined)?.expiry_date);
    const expiresAt = Number.isFinite(expiry) ? expiry : Date.now() + 3_000_000;
    return { value: googleKafkaToken(token, principal, expiresAt, Date.now()), principal, expiresAt };
  };
}

/** kafkajs SASL options for the configured mechanism. */
export function kafkaSasl(sasl: KafkaSasl): SASLOptions {
  if (sasl.mechanism !== 'google-oauthbearer') return sasl;
  // kafkajs asks again on every new broker connection.
  const token = googleKafkaTokenSource();
  return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await token()).value }) };
}
