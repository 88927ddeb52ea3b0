/**
 * The batch engines an operator chooses from: BATCH_ENGINE, `engine` in the batch workflows'
 * inputs, `./platform backfill --engine`. Plain data, so workflow code may import it.
 */
export const BATCH_ENGINES = ['duckdb', 'bigquery'] as const;
export type BatchEngineName = (typeof BATCH_ENGINES)[number];

export const isBatchEngine = (name: unknown): name is BatchEngineName =>
  (BATCH_ENGINES as readonly unknown[]).includes(name);
