import type { BigQuery, Job, JobMetadata } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import { CostLimitError, dryRun, labelValue, runJobOnce } from './bigquery-jobs';

/** A fake BigQuery holding jobs by id (the behaviour under test is ours, not BigQuery's). */
function fakeBigQuery(jobs: Map<string, JobMetadata>, dryRunBytes = 0) {
  const job = (id: string) =>
    ({
      id,
      getMetadata: async () => {
        const m = jobs.get(id);
        if (!m) throw Object.assign(new Error(`Not found: job ${id}`), { code: 404 });
        return [m];
      },
    }) as unknown as Job;
  return {
    job,
    createQueryJob: async () => [{ metadata: { statistics: { totalBytesProcessed: String(dryRunBytes) } } }],
  } as unknown as BigQuery;
}

const done = (error?: string): JobMetadata => ({
  status: { state: 'DONE', ...(error ? { errorResult: { message: error } } : {}) },
});

describe('runJobOnce', () => {
  it('waits for a job that exists instead of inserting it again', async () => {
    const jobs = new Map([['load_h1', done()]]);
    const inserted: string[] = [];
    const r = await runJobOnce(fakeBigQuery(jobs), 'load_h1', 'US', async (id) => {
      inserted.push(id);
      throw new Error('must not insert');
    });
    expect(inserted).toEqual([]);
    expect(r.reused).toBe(true);
  });

  it('inserts a job that does not exist, once, and calls the inserted hook', async () => {
    const jobs = new Map<string, JobMetadata>();
    const bq = fakeBigQuery(jobs);
    const events: string[] = [];
    const r = await runJobOnce(
      bq,
      'load_h2',
      'US',
      async (id) => {
        events.push(`insert ${id}`);
        jobs.set(id, done());
        return bq.job(id);
      },
      async () => void events.push('inserted'),
    );
    expect(events).toEqual(['insert load_h2', 'inserted']);
    expect(r.reused).toBe(false);
  });

  it('after a failed job of that id, runs the next id (BigQuery never reuses one)', async () => {
    const jobs = new Map([['q_h3', done('quota exceeded')]]);
    const bq = fakeBigQuery(jobs);
    const inserted: string[] = [];
    await runJobOnce(bq, 'q_h3', 'US', async (id) => {
      inserted.push(id);
      jobs.set(id, done());
      return bq.job(id);
    });
    expect(inserted).toEqual(['q_h3_2']);
  });

  it('a job it inserted that fails is an error with BigQuery reason', async () => {
    const jobs = new Map<string, JobMetadata>();
    const bq = fakeBigQuery(jobs);
    await expect(
      runJobOnce(bq, 'q_h4', 'US', async (id) => {
        jobs.set(id, done('Syntax error at [1:1]'));
        return bq.job(id);
      }),
    ).rejects.toThrow('BigQuery job q_h4 failed: Syntax error at [1:1]');
  });
});

describe('the cost guard', () => {
  const query = { query: 'SELECT 1', params: {}, location: 'US' };

  it('refuses a query whose dry run is over the limit, saying what to change', async () => {
    const refused = dryRun(fakeBigQuery(new Map(), 2_000_000), query, 1_000_000);
    await expect(refused).rejects.toBeInstanceOf(CostLimitError);
    await expect(refused).rejects.toThrow(/2000000 bytes, over BIGQUERY_MAX_BYTES_BILLED \(1000000\)/);
  });

  it('lets a query within the limit run, with its estimate', async () => {
    expect(await dryRun(fakeBigQuery(new Map(), 999), query, 1_000_000)).toBe(999);
  });
});

it('labels are what BigQuery accepts', () => {
  expect(labelValue('backfill-2026-01-01T00:00:00.000Z/2026-01-01T05:00:00.000Z')).toBe(
    'backfill-2026-01-01t00_00_00_000z_2026-01-01t05_00_00_000z',
  );
  expect(labelValue('x'.repeat(100))).toHaveLength(63);
});
