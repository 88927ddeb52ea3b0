import { Context, heartbeat } from '@temporalio/activity';
import { beating } from './heartbeat';
import { ApplicationFailure } from '@temporalio/common';
import { CostLimitError } from '../batch-layer/bigquery-jobs';
import type { BatchEngine, JobLabels, ProjectLoads } from '../batch-layer/engine';
import type { Engines } from '../batch-layer/engines';
import { hourInputs } from '../batch-layer/hour-inputs';
import type { BatchEngineName } from '../core/batch-engines';
import { UserFacingError } from '../core/errors';
import { lakeHolds, unsealedLakeHours } from '../core/lake/events';
import {
  archivedOffsets,
  listLateMarkers,
  readyLateMarkers,
  removeLateMarkers,
  viewHolds,
} from '../core/lake/late-markers';
import { dayViewKey, hourViewKey } from '../core/lake/layout';
import { key, type LakeStorage } from '../core/lake/storage';
import { publishDay, publishHour, readDayPointer, readHourPointer, readHoursStamp } from '../core/lake/views';
import { advanceWatermark, readWatermark } from '../core/lake/watermark';
import { batchHoursRecomputed, batchHoursSealed } from '../core/ops/operational-metrics';

/** What the batch activities need, built once per worker and injected. */
export interface BatchDeps {
  engines: Engines;
  lake: LakeStorage;
  now?: () => Date;
}

/** What an hour's recompute is asked: the hour, and optionally the projects, a forced run, an engine. */
export interface RecomputeHourInput {
  hour: string;
  projects?: string[];
  /** Recompute even when the hour's view is up to date with the lake. */
  force?: boolean;
  engine?: BatchEngineName;
}

export interface RecomputedHour {
  hour: string;
  events: number;
  version: string;
  engine: BatchEngineName;
  bytes?: { loaded: number; processed: number };
  unchanged?: boolean;
}

export function createActivities(deps: BatchDeps) {
  const now = deps.now ?? (() => new Date());
  const activities = {
    /**
     * Recomputes an hour's view and publishes it by swapping its pointer. Idempotent: the same
     * lake gives the same rows, under a new version; readers never see a half-written hour.
     * One object argument, so a field can be added without breaking recorded histories.
     */
    async recomputeHourView(input: RecomputeHourInput): Promise<RecomputedHour> {
      const { hour: hourIso, projects, force = false, engine } = input;
      const name = engine ?? deps.engines.defaultName;
      const seen = await keptIfUpToDate(hourIso, force);
      if (seen.kept)
        return {
          hour: hourIso,
          events: seen.kept.events,
          version: seen.kept.version,
          engine: name,
          unchanged: true,
        };
      // Heartbeats keep flowing while DuckDB works (its queries do not block the event loop), so a
      // dead worker is noticed within the heartbeat timeout, not the start-to-close one.
      let step = 'aggregating';
      const done = await beating(
        () => ({ hour: hourIso, step }),
        () => recompute(name, hourIso, (s) => (step = s), seen, projects),
      );
      batchHoursRecomputed.inc({ engine: name });
      return done;
    },

    /**
     * The same, with positional arguments: the name runs recorded before the object argument
     * scheduled (an activity task of theirs may still be queued when this version deploys).
     */
    recomputeHour(hourIso: string, projects?: string[], force = false, engine?: BatchEngineName) {
      return activities.recomputeHourView({
        hour: hourIso,
        ...(projects ? { projects } : {}),
        force,
        ...(engine ? { engine } : {}),
      });
    },

    /**
     * Hours the batch layer owes a view, oldest first, at most `limit`:
     * - hours named by late-event markers whose events the archiver has written, when the hour has
     *   a view that does not hold them or lies before the watermark (an hour after it is computed
     *   when it is sealed);
     * - hours before the watermark that the lake holds events for and no view covers (history
     *   imported before the first sealed hour, events that arrived before any hour was sealed).
     * Also returns the ready markers, for clearLateMarkers to check once the hours are recomputed.
     */
    async findLateHours(limit = 240): Promise<{ hours: string[]; markers: string[]; more: boolean }> {
      const watermark = (await readWatermark(deps.lake)).hour;
      const end = watermark ? Date.parse(watermark) + 3_600_000 : -Infinity;
      const markers = await readyLateMarkers(deps.lake);
      const wanted = new Set<string>();
      for (const m of markers) {
        for (const { hour } of m.hours) {
          const iso = new Date(hour).toISOString();
          const pointer = await readHourPointer(deps.lake, iso);
          if (pointer ? !viewHolds(pointer.archived, m.range) : Date.parse(iso) < end) wanted.add(iso);
        }
      }
      for (const h of await unsealedLakeHours(deps.lake, end)) wanted.add(h);
      const hours = [...wanted].sort().slice(0, limit);
      // Every ready marker is a candidate: clearLateMarkers removes those whose hours hold them.
      return { hours, markers: markers.map((m) => m.file), more: wanted.size > hours.length };
    },

    /** Which of these hours the lake holds events for (of these projects, when named). */
    async lakeHoursIn(hours: string[], projects?: string[]): Promise<string[]> {
      const wanted = projects && projects.length > 0 ? projects : undefined;
      const held: string[] = [];
      for (const h of hours) if (await lakeHolds(deps.lake, h, wanted)) held.push(h);
      return held;
    },

    /**
     * Seals hours the lake held no events for, one after the other in this activity (a child
     * workflow each would cost more than the hour): each gets its view (empty, or the real one if
     * events landed since), then the watermark follows.
     */
    async sealEmptyHours(
      hours: string[],
      force = false,
      engine?: BatchEngineName,
    ): Promise<{ events: number; bytes: { loaded: number; processed: number } }> {
      const name = engine ?? deps.engines.defaultName;
      const bytes = { loaded: 0, processed: 0 };
      let events = 0;
      for (const hour of hours) {
        heartbeat({ hour });
        const seen = await keptIfUpToDate(hour, force);
        if (seen.kept) events += seen.kept.events;
        else if (await lakeHolds(deps.lake, hour)) {
          const r = await recompute(name, hour, () => {}, seen);
          events += r.events;
          bytes.loaded += r.bytes?.loaded ?? 0;
          bytes.processed += r.bytes?.processed ?? 0;
        } else
          await publishHour(deps.lake, {
            hour,
            ...(await emptyView(name, hour)),
            computedAt: now().toISOString(),
            inputs: seen.inputs,
            archived: seen.archived,
          });
      }
      const last = hours[hours.length - 1];
      if (last !== undefined) await advanceWatermark(deps.lake, last);
      return { events, bytes };
    },

    /** Which of these hours have a published view. */
    async publishedHours(hours: string[]): Promise<string[]> {
      const published: string[] = [];
      for (const h of hours) if ((await readHourPointer(deps.lake, h)) !== undefined) published.push(h);
      return published;
    },

    /**
     * Removes the markers among `files` whose late events every hour they name now holds (its view
     * was computed, or kept, after the archiver wrote them); the others stay for the next run.
     */
    async clearLateMarkers(files: string[]): Promise<void> {
      const wanted = new Set(files);
      const absorbed: string[] = [];
      for (const m of await listLateMarkers(deps.lake)) {
        if (!wanted.has(m.file)) continue;
        let holds = true;
        for (const h of m.hours) {
          const pointer = await readHourPointer(deps.lake, new Date(h.hour).toISOString());
          holds &&= viewHolds(pointer?.archived, m.range);
        }
        if (holds) absorbed.push(m.file);
      }
      await removeLateMarkers(deps.lake, absorbed);
    },

    /** Rolls the day's published hours up into its daily view (DAU, revenue, content per day...). */
    async rollupDay(day: string, engine?: BatchEngineName): Promise<{ day: string; hours: number }> {
      const hours = Array.from({ length: 24 }, (_, i) =>
        new Date(Date.parse(`${day}T00:00:00Z`) + i * 3_600_000).toISOString(),
      );
      // The stamp before the hours: a publish meanwhile leaves the day with a stamp not current.
      const hoursStamp = await readHoursStamp(deps.lake, day);
      const published: { h: string; p: NonNullable<Awaited<ReturnType<typeof readHourPointer>>> }[] = [];
      for (const h of hours) {
        const p = await readHourPointer(deps.lake, h);
        if (p) published.push({ h, p });
      }
      const files = published.map(({ h, p }) => ({
        measures: key(hourViewKey(h), p.measures),
        uniques: key(hourViewKey(h), p.uniques),
      }));
      const version = attemptVersion();
      const view = await (await engineNamed(engine)).dayView(files, dayViewKey(day), version);
      await publishDay(deps.lake, {
        day,
        version,
        ...view,
        hours: published.map((x) => x.h),
        hourVersions: Object.fromEntries(published.map((x) => [x.h, x.p.version])),
        hoursStamp,
        computedAt: now().toISOString(),
      });
      return { day, hours: published.length };
    },

    /** The days among `days` that have a rolled-up view (a repaired hour's day is rolled up again). */
    async daysWithViews(days: string[]): Promise<string[]> {
      const out: string[] = [];
      for (const d of days) if (await readDayPointer(deps.lake, d)) out.push(d);
      return out;
    },

    /** Seals hours up to `hourIso` when none before it is missing; returns the watermark. */
    async advanceWatermark(hourIso: string): Promise<string | null> {
      const before = (await readWatermark(deps.lake)).hour;
      const after = (await advanceWatermark(deps.lake, hourIso)).hour;
      // Hours the mark moved past (the first one sealed counts as one); a retry moves it no more.
      if (after !== null && after !== before)
        batchHoursSealed.inc(before === null ? 1 : (Date.parse(after) - Date.parse(before)) / 3_600_000);
      return after;
    },
  };
  return activities;

  /**
   * What an hour's view would be computed from now, and the view in force if it was computed from
   * exactly that (the same lake files, the same catalog SQL): then it is kept, and only its record
   * of what the archiver had written moves up (late events at or below it are in the view). The
   * archiver's offsets are read before the files are listed, so the view never claims more.
   */
  async function keptIfUpToDate(hourIso: string, force: boolean) {
    const archived = await archivedOffsets(deps.lake);
    const inputs = await hourInputs(deps.lake, hourIso);
    const current = await readHourPointer(deps.lake, hourIso);
    if (force || current?.inputs !== inputs) return { inputs, archived, kept: undefined };
    if (JSON.stringify(current.archived) !== JSON.stringify(archived))
      await publishHour(deps.lake, { ...current, archived });
    return { inputs, archived, kept: current };
  }

  /** An hour without events, sealed as the engine's empty view under this attempt's version. */
  async function emptyView(engine: BatchEngineName, hourIso: string) {
    const version = attemptVersion();
    const view = await (await engineNamed(engine)).emptyHourView(hourViewKey(hourIso), version);
    return { version, measures: view.measures, uniques: view.uniques, events: view.events };
  }

  /**
   * The engine of this name, opened on first use. One that cannot be opened (misconfigured, not
   * reachable) fails the activity for good with its one-line reason: retrying would not help.
   */
  async function engineNamed(name?: BatchEngineName): Promise<BatchEngine> {
    try {
      return await deps.engines.get(name);
    } catch (e) {
      const why = e instanceof UserFacingError ? e.oneLine() : (e as Error).message;
      throw ApplicationFailure.nonRetryable(
        `the ${name ?? deps.engines.defaultName} engine: ${why}`,
        'EngineUnavailable',
      );
    }
  }

  /** Labels of the engine's work for this activity's run (BigQuery job labels). */
  function jobLabels(): JobLabels {
    const info = Context.current().info;
    return {
      workflow: info.workflowType ?? 'none',
      workflow_id: info.workflowExecution?.workflowId ?? 'none',
    };
  }

  /** The activity's run and attempt: retries never collide with a published file. */
  function attemptVersion(): string {
    const info = Context.current().info;
    // Run ids are time-ordered (UUIDv7): their random tail tells runs apart.
    return `${(info.workflowExecution?.runId ?? 'local').replaceAll('-', '').slice(-12)}-${info.attempt}`;
  }

  async function recompute(
    engine: BatchEngineName,
    hourIso: string,
    setStep: (s: string) => void,
    seen: { inputs: string; archived: Record<string, string> },
    projects?: string[],
  ) {
    heartbeat({ hour: hourIso, step: 'aggregating' });
    const version = attemptVersion();
    const dir = hourViewKey(hourIso);
    // A project subset recomputes those projects only, on top of the hour's view in force; an
    // hour without a view yet is computed whole (a sealed hour never lacks a project).
    const current = projects && projects.length > 0 ? await readHourPointer(deps.lake, hourIso) : undefined;
    const view = await (
      await engineNamed(engine)
    )
      .hourView({
        hour: new Date(hourIso),
        dir,
        version,
        only:
          current && projects
            ? {
                projects,
                current: { measures: key(dir, current.measures), uniques: key(dir, current.uniques) },
              }
            : undefined,
        labels: jobLabels(),
      })
      .catch((e: unknown) => {
        // Over the byte limit: a retry would be refused the same way.
        if (e instanceof CostLimitError) throw ApplicationFailure.nonRetryable(e.message, 'CostLimit');
        throw e;
      });
    setStep('publishing');
    await publishHour(deps.lake, {
      hour: hourIso,
      version,
      measures: view.measures,
      uniques: view.uniques,
      events: view.events,
      computedAt: now().toISOString(),
      // A view for some projects only is not what the lake's files give as a whole, and holds the
      // other projects' rows as they were computed then.
      ...(current && projects
        ? current.archived
          ? { archived: lowerOf(current.archived, seen.archived) }
          : {}
        : { inputs: seen.inputs, archived: seen.archived }),
      ...loadsAfter(current && projects ? { current: current.loads, projects } : undefined, view.loads),
    });
    return {
      hour: hourIso,
      events: view.events,
      version,
      engine,
      ...(view.bytes ? { bytes: view.bytes } : {}),
    };
  }
}

/** Per partition, the lower of two archived offsets (a partition missing from either is dropped). */
function lowerOf(a: Record<string, string>, b: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(a)
      .filter(([k]) => b[k] !== undefined)
      .map(([k, v]) => [k, BigInt(v) < BigInt(b[k] as string) ? v : (b[k] as string)]),
  );
}

/**
 * The BigQuery loads a recomputed hour's view names: the new ones, and for a view recomputed for
 * some projects, the other projects' loads of the view it replaces (those projects recomputed by an
 * engine that loads nothing lose theirs).
 */
function loadsAfter(
  subset: { current: ProjectLoads | undefined; projects: string[] } | undefined,
  loads: ProjectLoads | undefined,
): { loads?: ProjectLoads } {
  const kept = Object.entries(subset?.current ?? {}).filter(([p]) => !subset?.projects.includes(p));
  const all = { ...Object.fromEntries(kept), ...loads };
  return Object.keys(all).length > 0 ? { loads: all } : {};
}
