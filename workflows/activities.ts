import { join } from 'node:path';
import { heartbeat } from '@temporalio/activity';
import type { DuckDbEngine } from '../batch-layer/duckdb-engine';
import type { HourlyRecomputeResult } from './types';

/** What the batch activities need, built once per worker and injected. */
export interface BatchDeps {
  engine: DuckDbEngine;
  lakeRoot: string;
}

export function createActivities(deps: BatchDeps) {
  return {
    /** Idempotent: recomputing an hour rewrites the same view file with the same rows. */
    async recomputeHour(hourIso: string): Promise<HourlyRecomputeResult> {
      const hour = new Date(hourIso);
      heartbeat({ hour: hourIso, step: 'aggregating' });
      const rows = await deps.engine.hourEventCounts(deps.lakeRoot, hour);
      const viewFile = join(
        deps.lakeRoot,
        'views',
        'hourly_event_counts',
        `date=${hourIso.slice(0, 10)}`,
        `hour=${hourIso.slice(11, 13)}`,
        'data.parquet',
      );
      heartbeat({ hour: hourIso, step: 'publishing' });
      await deps.engine.writeParquet(viewFile, rows);
      return {
        hour: hourIso,
        events: rows.reduce((n, r) => n + r.events, 0),
        projects: new Set(rows.map((r) => r.projectId)).size,
        viewFile,
      };
    },
  };
}
