/** Inputs and results of the batch workflows; plain JSON (they travel through Temporal history). */
export interface HourlyRecomputeInput {
  /** Start of the hour to recompute, ISO-8601 UTC. Omitted by schedules: the previous hour. */
  hour?: string;
}

export interface HourlyRecomputeResult {
  hour: string;
  events: number;
  projects: number;
  viewFile: string;
}
