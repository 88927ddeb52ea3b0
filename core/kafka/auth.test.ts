import { describe, expect, it } from 'vitest';
import { googleKafkaToken } from './auth';

describe("Google Cloud managed Kafka's OAUTHBEARER token", () => {
  it('wraps the access token as Google documents: header, principal, the token in the last part', () => {
    const token = googleKafkaToken(
      'ya29.access',
      'speed@p.iam.gserviceaccount.com',
      1_700_003_600_000,
      1_700_000_000_000,
    );
    const [header, payload, last] = token.split('.').map((p) => Buffer.from(p, 'base64url').toString('utf8'));
    expect(JSON.parse(header!)).toEqual({ typ: 'JWT', alg: 'GOOG_OAUTH2_TOKEN' });
    expect(JSON.parse(payload!)).toEqual({
      exp: 1_700_003_600,
      iss: 'Google',
      iat: 1_700_000_000,
      sub: 'speed@p.iam.gserviceaccount.com',
    });
    expect(last).toBe('ya29.access');
    expect(token).not.toMatch(/[=+/]/);
  });
});
