import { Analytics } from '@segment/analytics-node';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { waitFor } from './wait-for';

/**
 * A new write key of `project` once the collectors at `ingest` know it (they read new keys every
 * 2 s: an empty batch answers 400 or 200, not 401), and a poster of raw batches with it.
 */
export async function knownWriteKey(config: Config, ingest: string, project: string) {
  const writeKey = await createWriteKey(config, project);
  const post = (batch: unknown[]) =>
    fetch(`${ingest}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ batch }),
    });
  await waitFor(
    () => post([]).then((r) => r.status),
    (status) => status !== 401,
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return { writeKey, post };
}

/**
 * A Segment SDK sending to the collector at `ingest` with a new, known write key of `project`;
 * `failures` collects what the SDK could not send.
 */
export async function connectSdk(config: Config, ingest: string, project: string) {
  const { writeKey } = await knownWriteKey(config, ingest, project);
  const analytics = new Analytics({ writeKey, host: ingest, flushAt: 100, flushInterval: 50 });
  const failures: unknown[] = [];
  analytics.on('error', (e) => failures.push(e));
  return { analytics, failures };
}
