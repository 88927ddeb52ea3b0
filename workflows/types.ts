/** Inputs and results of the batch workflows; plain JSON (they travel through Temporal history). */
export interface HourlyRecomputeInput {
  /** Start of the hour to recompute, ISO-8601 UTC. Omitted by schedules: the previous hour. */
  hour?: string;
  /** Move the batch watermark to this hour once it is published (schedules and backfills do). */
  advanceWatermark?: boolean;
  /** Recompute only these projects; the others keep the hour's view in force. */
  projects?: string[];
}

export interface HourlyRecomputeResult {
  hour: string;
  events: number;
  version: string;
  watermark: string | null;
}

export interface BackfillInput {
  /** ISO-8601; hours from the one holding `from` up to the one before `to`. */
  from: string;
  to: string;
  /** Batch engine: 'duckdb' (embedded, the default). */
  engine?: 'duckdb';
  /** Recompute only these projects (every project when omitted); the others keep their views. */
  projects?: string[];
  /** Hours recomputed at once. */
  concurrency?: number;
}

export interface BackfillProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  events: number;
  percent: number;
}

export interface BackfillResult extends BackfillProgress {
  hours: string[];
}

export interface DailyRollupInput {
  /** YYYY-MM-DD (UTC). Omitted by schedules: the day before the scheduled time. */
  day?: string;
}
