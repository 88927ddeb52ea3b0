/**
 * A batch engine: computes the views of the lake's hours and days. DuckDB (embedded) implements it
 * today; a scale engine (BigQuery) implements the same, with its own catalog dialect
 * (catalog-dialect.ts), so the workflows' activities and the serving layer do not care which
 * engine computed an hour.
 */
/** A view's two files (keys in the lake, or names in the view's folder, as the caller says). */
export interface ViewFiles {
  measures: string;
  uniques: string;
}

/** Per project id: the BigQuery load holding its events of an hour, and the files it loaded. */
export type ProjectLoads = Record<string, { load: string; files: string }>;

/** Labels an engine puts on the work it does for a run (BigQuery job labels): workflow, run... */
export type JobLabels = Record<string, string>;

/** An hour's view as an engine wrote it: its files, its events, what it cost (BigQuery's bytes). */
export type HourViewResult = ViewFiles & {
  events: number;
  bytes?: { loaded: number; processed: number };
  /**
   * The BigQuery load holding each project's events of the hour, with the fingerprint of the lake
   * files loaded (core/lake/events.ts): the serving layer reads persons and sessions from it while
   * the lake's files are still those (serving-layer/views/bigquery-loads.ts).
   */
  loads?: ProjectLoads;
};

/** What an hour's view is asked of an engine. */
export interface HourViewRequest {
  /** The hour's start. */
  hour: Date;
  /** The lake folder (a key) the view's files go into, named by `version`. */
  dir: string;
  version: string;
  only?: { projects: string[]; current: ViewFiles } | undefined;
  /** BigQuery job labels (the workflow that asked). */
  labels?: JobLabels;
}

export interface BatchEngine {
  /**
   * Computes one hour's view from the lake (every catalog metric, exactly deduplicated by
   * messageId) and writes it as two Parquet files in the lake folder `dir` (a key) named by
   * `version`; returns their names. With `only`, just those projects are recomputed; every other
   * project's rows are kept from `only.current` (keys of the view in force).
   */
  hourView(v: HourViewRequest): Promise<HourViewResult>;
  /** The view of an hour without events, written in the lake folder `dir` under `version`. */
  emptyHourView(dir: string, version: string): Promise<HourViewResult>;
  /** Rolls a day's published hour files (keys) up into day buckets, written in `dir` under `version`. */
  dayView(hourFiles: ViewFiles[], dir: string, version: string): Promise<ViewFiles>;
  close(): void;
}
