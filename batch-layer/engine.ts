/**
 * A batch engine: computes the views of the lake's hours and days. DuckDB (embedded) implements it
 * today; a scale engine (BigQuery) implements the same, with its own catalog dialect
 * (catalog-dialect.ts), so the workflows' activities and the serving layer do not care which
 * engine computed an hour.
 */
export interface BatchEngine {
  /**
   * Computes one hour's view from the lake (every catalog metric, exactly deduplicated by
   * messageId) and writes it as two Parquet files in `dir` named by `version`. With `only`, just
   * those projects are recomputed; every other project's rows are kept from `only.current`.
   */
  hourView(
    lakeRoot: string,
    hourStart: Date,
    dir: string,
    version: string,
    only?: { projects: string[]; current: { measures: string; uniques: string } },
  ): Promise<{ measures: string; uniques: string; events: number }>;
  /** The view of an hour without events, written in `dir` under `version`. */
  emptyHourView(dir: string, version: string): Promise<{ measures: string; uniques: string; events: number }>;
  /** Rolls a day's published hour files up into day buckets, written in `dir` under `version`. */
  dayView(
    hourFiles: { measures: string; uniques: string }[],
    dir: string,
    version: string,
  ): Promise<{ measures: string; uniques: string }>;
  close(): void;
}
