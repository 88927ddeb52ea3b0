import { Analytics } from '@segment/analytics-node';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config';
import { waitFor } from './wait-for';

/**
 * A Segment SDK sending to the collector at `ingest` with a new write key of `project`, once the
 * collectors know the key (they read new keys every 2 s: an empty batch answers 400, not 401).
 * `failures` collects what the SDK could not send.
 */
export async function connectSdk(config: Config, ingest: string, project: string) {
  const writeKey = await createWriteKey(config, project);
  await waitFor(
    () =>
      fetch(`${ingest}/v1/batch`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ batch: [] }),
      }).then((r) => r.status),
    (status) => status !== 401,
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  const analytics = new Analytics({ writeKey, host: ingest, flushAt: 100, flushInterval: 50 });
  const failures: unknown[] = [];
  analytics.on('error', (e) => failures.push(e));
  return { analytics, failures };
}
