import { Context, heartbeat } from '@temporalio/activity';
import { join } from 'node:path';
import {
  advanceWatermark,
  dayDir,
  hourDir,
  publishDay,
  publishHour,
  readHourPointer,
} from '../batch-layer/batch-views';
import { readyLateMarkers, removeLateMarkers } from '../batch-layer/late-markers';
import type { DuckDbEngine } from '../batch-layer/duckdb-engine';

/** What the batch activities need, built once per worker and injected. */
export interface BatchDeps {
  engine: DuckDbEngine;
  lakeRoot: string;
  now?: () => Date;
}

export function createActivities(deps: BatchDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Recomputes an hour's view and publishes it by swapping its pointer. Idempotent: the same
     * lake gives the same rows, under a new version; readers never see a half-written hour.
     */
    async recomputeHour(
      hourIso: string,
      projects?: string[],
    ): Promise<{ hour: string; events: number; version: string }> {
      // Heartbeats keep flowing while DuckDB works (its queries do not block the event loop), so a
      // dead worker is noticed within the heartbeat timeout, not the start-to-close one.
      let step = 'aggregating';
      const beat = setInterval(() => heartbeat({ hour: hourIso, step }), 2000);
      try {
        return await recompute(hourIso, (s) => (step = s), projects);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Hours to repair: those named by late-event markers that already have a published view (an
     * hour not yet computed will include its late events when it is). Returns the marker files read.
     */
    async findLateHours(): Promise<{ hours: string[]; markers: string[] }> {
      const markers = readyLateMarkers(deps.lakeRoot);
      const hours = [...new Set(markers.flatMap((m) => m.hours.map((h) => h.hour)))]
        .filter((h) => readHourPointer(deps.lakeRoot, h) !== undefined)
        .sort();
      return { hours, markers: markers.map((m) => m.file) };
    },

    /** Which of these hours have a published view. */
    async publishedHours(hours: string[]): Promise<string[]> {
      return hours.filter((h) => readHourPointer(deps.lakeRoot, h) !== undefined);
    },

    async clearLateMarkers(files: string[]): Promise<void> {
      removeLateMarkers(deps.lakeRoot, files);
    },

    /** Rolls the day's published hours up into its daily view (DAU, revenue, content per day...). */
    async rollupDay(day: string): Promise<{ day: string; hours: number }> {
      const hours = Array.from({ length: 24 }, (_, i) =>
        new Date(Date.parse(`${day}T00:00:00Z`) + i * 3_600_000).toISOString(),
      );
      const published = hours
        .map((h) => ({ h, p: readHourPointer(deps.lakeRoot, h) }))
        .filter((x): x is { h: string; p: NonNullable<typeof x.p> } => x.p !== undefined);
      const files = published.map(({ h, p }) => ({
        measures: join(hourDir(deps.lakeRoot, h), p.measures),
        uniques: join(hourDir(deps.lakeRoot, h), p.uniques),
      }));
      const info = Context.current().info;
      const version = `${(info.workflowExecution?.runId ?? 'local').replaceAll('-', '').slice(-12)}-${info.attempt}`;
      const view = await deps.engine.dayView(files, dayDir(deps.lakeRoot, day), version);
      publishDay(deps.lakeRoot, {
        day,
        version,
        ...view,
        hours: published.map((x) => x.h),
        computedAt: now().toISOString(),
      });
      return { day, hours: published.length };
    },

    /** Seals hours up to `hourIso` when none before it is missing; returns the watermark. */
    async advanceWatermark(hourIso: string): Promise<string | null> {
      return advanceWatermark(deps.lakeRoot, hourIso, now()).hour;
    },
  };

  async function recompute(hourIso: string, setStep: (s: string) => void, projects?: string[]) {
    heartbeat({ hour: hourIso, step: 'aggregating' });
    // The activity's attempt identifies the version: retries never collide with a published file.
    const info = Context.current().info;
    // Run ids are time-ordered (UUIDv7): their random tail tells runs apart.
    const version = `${(info.workflowExecution?.runId ?? 'local').replaceAll('-', '').slice(-12)}-${info.attempt}`;
    const dir = hourDir(deps.lakeRoot, hourIso);
    // A project subset recomputes those projects only, on top of the hour's view in force; an
    // hour without a view yet is computed whole (a sealed hour never lacks a project).
    const current = projects && projects.length > 0 ? readHourPointer(deps.lakeRoot, hourIso) : undefined;
    const view = await deps.engine.hourView(
      deps.lakeRoot,
      new Date(hourIso),
      dir,
      version,
      current && projects
        ? {
            projects,
            current: { measures: join(dir, current.measures), uniques: join(dir, current.uniques) },
          }
        : undefined,
    );
    setStep('publishing');
    publishHour(deps.lakeRoot, {
      hour: hourIso,
      version,
      measures: view.measures,
      uniques: view.uniques,
      events: view.events,
      computedAt: now().toISOString(),
    });
    return { hour: hourIso, events: view.events, version };
  }
}
