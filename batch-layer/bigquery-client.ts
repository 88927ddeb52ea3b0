import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';

/**
 * A BigQuery client: Google's API with Application Default Credentials, or the emulator at
 * `endpoint` (BIGQUERY_ENDPOINT), which checks no credentials. The emulator gets a fixed token
 * instead of the credential lookup, which would probe for a GCE metadata server on every start.
 */
export function bigQueryClient(s: { projectId: string; location: string; endpoint?: string }): BigQuery {
  if (!s.endpoint) return new BigQuery({ projectId: s.projectId, location: s.location });
  const token = new OAuth2Client();
  token.setCredentials({ access_token: 'emulator', expiry_date: 8.64e15 });
  return new BigQuery({
    projectId: s.projectId,
    location: s.location,
    apiEndpoint: s.endpoint,
    authClient: token,
  });
}
