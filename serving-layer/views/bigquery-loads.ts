import { eventHoursOf, filesFingerprint, filesOf } from '../../core/lake/events';
import type { LakeStorage } from '../../core/lake/storage';
import { readHourPointer } from '../../core/lake/views';

/** Consecutive hours of the lake's part of a span, read by one engine: BigQuery when `loads` is set. */
export interface LakeRun {
  from: Date;
  to: Date;
  /** The BigQuery loads holding every hour of the run; absent: DuckDB reads the lake's files. */
  loads?: string[];
}

/**
 * The project's [from, to) in runs of consecutive hours, each read by one engine. An hour is held
 * by BigQuery when its view in force names a BigQuery load of the project (the BigQuery engine
 * computed it) and the project's lake files of the hour are still the ones that load read (same
 * names and sizes). An hour with late events or retried calls archived since, not sealed yet,
 * computed by DuckDB, or changed by an erasure is not held: DuckDB reads its files instead, which
 * gives the same answer (the engine conformance suite holds them equal), so an answer never
 * depends on which engine read which hour. Hours without events join the run before them.
 */
export async function lakeRuns(
  lake: LakeStorage,
  span: { project: string; from: Date; to: Date },
): Promise<LakeRun[]> {
  const runs: LakeRun[] = [];
  for (const { hour, key } of await eventHoursOf(
    lake,
    span.project,
    span.from.getTime(),
    span.to.getTime(),
  )) {
    const held = (await readHourPointer(lake, new Date(hour).toISOString()))?.loads?.[span.project];
    const load = held && held.files === filesFingerprint(await filesOf(lake, key)) ? held.load : undefined;
    const last = runs[runs.length - 1];
    if (last && (last.loads !== undefined) === (load !== undefined)) {
      if (load !== undefined && !last.loads!.includes(load)) last.loads!.push(load);
      continue;
    }
    const start = new Date(Math.max(hour, span.from.getTime()));
    if (last) last.to = start;
    runs.push({
      from: runs.length === 0 ? span.from : start,
      to: span.to,
      ...(load ? { loads: [load] } : {}),
    });
  }
  return runs.length > 0 ? runs : [{ from: span.from, to: span.to }];
}
