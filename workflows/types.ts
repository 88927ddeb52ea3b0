/** Inputs and results of the batch workflows; plain JSON (they travel through Temporal history). */
import type { BatchEngineName } from '../core/batch-engines';

/** Bytes BigQuery loaded and processed (billed) for a run; 0 with DuckDB. */
export interface EngineBytes {
  loaded: number;
  processed: number;
}

export interface HourlyRecomputeInput {
  /** Start of the hour to recompute, ISO-8601 UTC. Omitted by schedules: the previous hour. */
  hour?: string;
  /** Move the batch watermark to this hour once it is published (schedules and backfills do). */
  advanceWatermark?: boolean;
  /** Recompute only these projects; the others keep the hour's view in force. */
  projects?: string[];
  /** Recompute even when the hour's view already matches the lake (after a catalog fix...). */
  force?: boolean;
  /** Give up after this many attempts (backfills count the hour failed); unbounded when absent. */
  attempts?: number;
  /** Batch engine: 'duckdb' or 'bigquery'; the worker's BATCH_ENGINE when absent. */
  engine?: BatchEngineName;
}

export interface HourlyRecomputeResult {
  hour: string;
  events: number;
  version: string;
  watermark: string | null;
  engine?: BatchEngineName;
  bytes?: EngineBytes;
}

export interface BackfillInput {
  /** ISO-8601; hours from the one holding `from` up to the one before `to`. */
  from: string;
  to: string;
  /** Batch engine: 'duckdb' (embedded) or 'bigquery'; the worker's BATCH_ENGINE when absent. */
  engine?: BatchEngineName;
  /** Recompute only these projects (every project when omitted); the others keep their views. */
  projects?: string[];
  /** Hours recomputed at once. */
  concurrency?: number;
  /** Only these hours (ISO) within from..to: a previous run's `failedHours`, to retry just those. */
  hours?: string[];
  /** Recompute hours whose view already matches the lake too (after a catalog change...). */
  force?: boolean;
  /** Set by the workflow when it continues as new: where the next run starts, what earlier runs did. */
  carried?: { next: number; progress: BackfillProgress };
}

export interface BackfillProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  events: number;
  percent: number;
  /** Hours that failed every attempt: retry them with a backfill over `hours: failedHours`. */
  failedHours: string[];
  /** Which run of the backfill this is (it continues as new every HOURS_PER_RUN hours). */
  run: number;
  /** The engine its hours were computed by, once known. */
  engine?: BatchEngineName;
  /** What BigQuery loaded and processed so far (0 with DuckDB). */
  bytes?: EngineBytes;
}

export interface BackfillResult extends BackfillProgress {
  /** The hours of the range (empty when longer than one run's worth). */
  hours: string[];
}

export interface DailyRollupInput {
  /** YYYY-MM-DD (UTC). Omitted by schedules: the day before the scheduled time. */
  day?: string;
  /** Batch engine of the day's missing hours and rollup; the worker's BATCH_ENGINE when absent. */
  engine?: BatchEngineName;
}

export interface LateDataRepairInput {
  /** Batch engine of the repaired hours; the worker's BATCH_ENGINE when absent. */
  engine?: BatchEngineName;
}
