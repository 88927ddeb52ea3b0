import { setTimeout as sleep } from 'node:timers/promises';
import type { BigQuery, Job, JobMetadata, Query } from '@google-cloud/bigquery';

/** A query that would bill more than BIGQUERY_MAX_BYTES_BILLED: refused before it runs, not retried. */
export class CostLimitError extends Error {
  override name = 'CostLimitError';
}

const code = (e: unknown) => (e as { code?: number }).code;

/** The job with this id, or undefined when there is none. */
async function findJob(bq: BigQuery, id: string, location: string): Promise<Job | undefined> {
  const job = bq.job(id, { location });
  try {
    await job.getMetadata();
    return job;
  } catch (e) {
    if (code(e) === 404) return undefined;
    throw e;
  }
}

/** Waits for a job to finish; its metadata then, or an error carrying BigQuery's reason. */
async function finished(job: Job): Promise<JobMetadata> {
  for (let wait = 200; ; wait = Math.min(wait * 2, 5000)) {
    const [m] = await job.getMetadata();
    if (m.status?.state === 'DONE') return m;
    await sleep(wait);
  }
}

const failed = (m: JobMetadata) => m.status?.errorResult?.message;

/**
 * Runs the job named `id` once, however often it is asked to: a job of that id that exists (a
 * retried activity's, whose worker died after inserting it) is waited for instead of run again;
 * only a job of that id that failed gives way to the next id (`<id>_2`, ...), since BigQuery
 * never reuses a job id. `insert` creates the job under the id it is given; `inserted` runs right
 * after an insert (tests stop the process there).
 */
export async function runJobOnce(
  bq: BigQuery,
  id: string,
  location: string,
  insert: (id: string) => Promise<Job>,
  inserted: () => Promise<void> = async () => {},
): Promise<{ metadata: JobMetadata; job: Job; reused: boolean }> {
  for (let n = 1; n <= 10; n++) {
    const jobId = n === 1 ? id : `${id}_${n}`;
    let job = await findJob(bq, jobId, location);
    const reused = job !== undefined;
    if (!job) {
      try {
        job = await insert(jobId);
      } catch (e) {
        // Another attempt inserted it in between: wait for that one.
        if (code(e) !== 409) throw e;
        job = bq.job(jobId, { location });
      }
      await inserted();
    }
    const metadata = await finished(job);
    if (!failed(metadata)) return { metadata, job, reused };
    if (!reused) throw new Error(`BigQuery job ${jobId} failed: ${failed(metadata)}`);
  }
  throw new Error(`BigQuery jobs ${id} .. ${id}_10 all failed: see them in the BigQuery console`);
}

/**
 * The cost guard of a query: a dry run says how many bytes it would process; over `maxBytes` it is
 * refused with what to change. Returns the estimate.
 */
export async function dryRun(
  bq: BigQuery,
  query: { query: string; params: Record<string, unknown>; types?: Query['types']; location: string },
  maxBytes: number,
  advice = 'recompute fewer projects at once',
): Promise<number> {
  const [job] = await bq.createQueryJob({ ...query, useLegacySql: false, dryRun: true });
  const bytes = Number(job.metadata?.statistics?.totalBytesProcessed ?? 0);
  if (bytes > maxBytes)
    throw new CostLimitError(
      `a BigQuery query would process ${bytes} bytes, over BIGQUERY_MAX_BYTES_BILLED (${maxBytes}): raise the limit, or ${advice}`,
    );
  return bytes;
}

/** A label value BigQuery accepts (lowercase letters, digits, '-' and '_'; at most 63). */
export const labelValue = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);
