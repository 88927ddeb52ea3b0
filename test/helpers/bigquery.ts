import type { BigQuery } from '@google-cloud/bigquery';
import { bigQueryClient } from '../../batch-layer/bigquery-client';
import { bigQueryAnswers, bigQueryServiceOptions } from '../../infra/local/bigquery/service';
import { isListening } from '../../infra/local/ports';

/** A client of the local BigQuery emulator (no credentials: it checks none). */
export function emulatorClient(): BigQuery {
  const o = bigQueryServiceOptions();
  return bigQueryClient({
    projectId: o.projectId,
    location: 'US',
    endpoint: `http://127.0.0.1:${o.restPort}`,
  });
}

/**
 * Fails fast with the command to run when the emulator is not up (nothing listens on its port).
 * One that listens but is busy with another test's query is waited for.
 */
export async function requireBigQuery(): Promise<void> {
  const o = bigQueryServiceOptions();
  const notUp = () =>
    new Error('the BigQuery emulator is not up: run ./platform test, or ./platform services start first');
  for (let attempt = 0; attempt < 6; attempt++) {
    if (!(await isListening(o.restPort))) throw notUp();
    if (await bigQueryAnswers(o, 10_000)) return;
  }
  throw new Error(`the BigQuery emulator on port ${o.restPort} listens but has not answered for a minute`);
}

/**
 * Runs a query and returns its rows: createQueryJob + getQueryResults, which throw on a query
 * error, where bq.query() may resolve an empty answer.
 */
export async function runQuery(
  bq: BigQuery,
  query: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const [job] = await bq.createQueryJob({ query, params, useLegacySql: false });
  const [rows] = await job.getQueryResults();
  return rows as Record<string, unknown>[];
}
