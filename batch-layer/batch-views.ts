import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

/**
 * Batch views in the lake: per hour, Parquet files of minute measures and HLL registers, and a
 * pointer (`current.json`) naming the files in force. Publishing writes new files under a new
 * version, then swaps the pointer by rename: readers see the old hour or the new one, never a mix.
 * The batch watermark (`views/watermark/`) is the last hour up to which every hour is sealed.
 */
export interface HourPointer {
  hour: string;
  version: string;
  measures: string;
  uniques: string;
  events: number;
  computedAt: string;
  /**
   * What the view was computed from (batch-layer/hour-inputs.ts): the lake files of the hour and
   * the catalog's SQL. A recompute that finds the same inputs keeps this view. Absent for views
   * computed for some projects only.
   */
  inputs?: string;
  /**
   * The lake archiver's last written offset per `topic-partition` when the view was computed: the
   * view holds every event up to them, so late events at or below them are in it.
   */
  archived?: Record<string, string>;
}

const HOUR = 3_600_000;

export function hourDir(lakeRoot: string, hourIso: string): string {
  return join(lakeRoot, 'views', 'hourly', `date=${hourIso.slice(0, 10)}`, `hour=${hourIso.slice(11, 13)}`);
}

export function readHourPointer(lakeRoot: string, hourIso: string): HourPointer | undefined {
  const f = join(hourDir(lakeRoot, hourIso), 'current.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as HourPointer) : undefined;
}

function writeJsonAtomically(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, file);
}

/** Swaps the hour's pointer to `pointer`, then removes files no pointer names any more. */
export function publishHour(lakeRoot: string, pointer: HourPointer): void {
  publishPointer(lakeRoot, hourDir(lakeRoot, pointer.hour), pointer);
}

/** Swaps a view's pointer in `dir`, marks the publish, then removes files no pointer names any more. */
function publishPointer(lakeRoot: string, dir: string, pointer: { measures: string; uniques: string }): void {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomically(join(dir, 'current.json'), pointer);
  markPublished(lakeRoot);
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.parquet') && f !== pointer.measures && f !== pointer.uniques)
      rmSync(join(dir, f), { force: true });
  }
}

/**
 * Every pointer swap writes a fresh mark to `views/published`: with the watermark it tells readers
 * (the serving layer's cache) that the batch view changed, including a repaired sealed hour that
 * does not move the watermark.
 */
export function markPublished(lakeRoot: string): void {
  mkdirSync(join(lakeRoot, 'views'), { recursive: true });
  writeJsonAtomically(join(lakeRoot, 'views', 'published'), `${Date.now()}-${process.pid}-${randomUUID()}`);
}

/**
 * Changes whenever the batch view does: the watermark and the last publish mark, which every
 * pointer swap writes and removing late-data markers writes too (a repaired sealed hour, late
 * events absorbed). Read on every request: only the watermark folder, not the seal requests.
 */
export function batchViewStamp(lakeRoot: string): string {
  let mark = '';
  try {
    mark = readFileSync(join(lakeRoot, 'views', 'published'), 'utf8');
  } catch {
    // Nothing published yet.
  }
  return `${readWatermarkHour(lakeRoot) ?? ''}|${mark}`;
}

export interface Watermark {
  /** Start of the last sealed hour (every hour up to its end is in the batch view). */
  hour: string | null;
  /** The latest hour asked to be sealed; the watermark follows once the hours before it are in. */
  requested?: string | null;
}

/**
 * The watermark and the seal requests are folders of empty files named by hour
 * (`views/watermark/<hour>`, `views/seal-requests/<hour>`), read as the latest name. Creating a
 * file is atomic and a name is never replaced by a smaller one, so concurrent publishers cannot
 * move the watermark back, and a process killed at any point leaves nothing that blocks the next:
 * there is no lock. A `watermark.json` from before this layout still counts.
 */
const WATERMARK_DIR = 'watermark';
const REQUESTS_DIR = 'seal-requests';

function latestName(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  let latest: string | null = null;
  for (const n of names) if (!n.includes('.tmp') && (latest === null || n > latest)) latest = n;
  return latest;
}

function legacyWatermark(lakeRoot: string): { hour?: string | null; requested?: string | null } {
  const f = join(lakeRoot, 'views', 'watermark.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Watermark) : {};
}

/** Start of the last sealed hour, or null: the watermark alone, as readers need it. */
export function readWatermarkHour(lakeRoot: string): string | null {
  return later(latestName(join(lakeRoot, 'views', WATERMARK_DIR)), legacyWatermark(lakeRoot).hour);
}

const later = (a: string | null | undefined, b: string | null | undefined): string | null =>
  !a ? (b ?? null) : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b;

/** Adds `hourIso` to a folder of hour names, then drops names older than the latest seen. */
function recordHour(dir: string, hourIso: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, hourIso);
  if (!existsSync(file)) writeFileSync(file, '');
  const latest = latestName(dir);
  for (const n of readdirSync(dir)) if (latest !== null && n < latest) rmSync(join(dir, n), { force: true });
}

export function readWatermark(lakeRoot: string): Watermark {
  return {
    hour: readWatermarkHour(lakeRoot),
    requested: later(latestName(join(lakeRoot, 'views', REQUESTS_DIR)), legacyWatermark(lakeRoot).requested),
  };
}

/**
 * Asks for hours up to `hourIso` to be sealed, and moves the watermark forward across every
 * contiguous published hour up to the latest hour ever asked for: a gap holds it back until the
 * missing hour is published, whichever order concurrent runs finish in. Never moves it back.
 * Hours before the first sealed hour are not sealed by it: each is sealed by its own view.
 */
export function advanceWatermark(lakeRoot: string, hourIso: string): Watermark {
  const views = join(lakeRoot, 'views');
  recordHour(join(views, REQUESTS_DIR), new Date(Date.parse(hourIso)).toISOString());
  const current = readWatermark(lakeRoot);
  const requested = Date.parse(current.requested ?? hourIso);
  // The first hour ever sealed starts the watermark, if it is published; then it grows contiguously.
  let mark = current.hour !== null ? Date.parse(current.hour) : Date.parse(hourIso);
  if (current.hour === null && !readHourPointer(lakeRoot, new Date(mark).toISOString()))
    return { hour: null, requested: current.requested ?? null };
  while (mark + HOUR <= requested && readHourPointer(lakeRoot, new Date(mark + HOUR).toISOString()))
    mark += HOUR;
  const hour = new Date(mark).toISOString();
  if (hour !== current.hour) recordHour(join(views, WATERMARK_DIR), hour);
  return { hour, requested: current.requested ?? null };
}

export interface DayPointer {
  day: string;
  version: string;
  measures: string;
  uniques: string;
  hours: string[];
  computedAt: string;
}

export function dayDir(lakeRoot: string, day: string): string {
  return join(lakeRoot, 'views', 'daily', `date=${day}`);
}

export function readDayPointer(lakeRoot: string, day: string): DayPointer | undefined {
  const f = join(dayDir(lakeRoot, day), 'current.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as DayPointer) : undefined;
}

/** Swaps the day's pointer, then removes files no pointer names any more. */
export function publishDay(lakeRoot: string, pointer: DayPointer): void {
  publishPointer(lakeRoot, dayDir(lakeRoot, pointer.day), pointer);
}
