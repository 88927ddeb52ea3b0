import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

/**
 * Batch views in the lake: per hour, Parquet files of minute measures and HLL registers, and a
 * pointer (`current.json`) naming the files in force. Publishing writes new files under a new
 * version, then swaps the pointer by rename: readers see the old hour or the new one, never a mix.
 * The batch watermark (`views/watermark.json`) is the last hour up to which every hour is sealed.
 */
export interface HourPointer {
  hour: string;
  version: string;
  measures: string;
  uniques: string;
  events: number;
  computedAt: string;
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
function markPublished(lakeRoot: string): void {
  mkdirSync(join(lakeRoot, 'views'), { recursive: true });
  writeJsonAtomically(join(lakeRoot, 'views', 'published'), `${Date.now()}-${process.pid}-${randomUUID()}`);
}

/** Changes whenever the batch view does: the watermark file and the last publish mark. */
export function batchViewStamp(lakeRoot: string): string {
  const read = (f: string) => {
    try {
      return readFileSync(join(lakeRoot, 'views', f), 'utf8');
    } catch {
      return '';
    }
  };
  return `${read('watermark.json')}|${read('published')}`;
}

export interface Watermark {
  /** Start of the last sealed hour (every hour up to its end is in the batch view). */
  hour: string | null;
  /** The latest hour asked to be sealed; the watermark follows once the hours before it are in. */
  requested?: string | null;
  updatedAt: string;
}

export function readWatermark(lakeRoot: string): Watermark {
  const f = join(lakeRoot, 'views', 'watermark.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Watermark) : { hour: null, updatedAt: '' };
}

/**
 * Asks for hours up to `hourIso` to be sealed, and moves the watermark forward across every
 * contiguous published hour up to the latest hour ever asked for: a gap holds it back until the
 * missing hour is published, whichever order concurrent runs finish in. Never moves it back. A
 * lock file serialises concurrent updates (hourly runs and backfill children).
 */
export function advanceWatermark(lakeRoot: string, hourIso: string, now: Date): Watermark {
  const dir = join(lakeRoot, 'views');
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'watermark.lock');
  for (let i = 0; ; i++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 200) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
  try {
    const current = readWatermark(lakeRoot);
    const requested = Math.max(
      Date.parse(hourIso),
      current.requested ? Date.parse(current.requested) : -Infinity,
    );
    // The first hour ever sealed starts the watermark; after that it only grows contiguously.
    let mark = current.hour !== null ? Date.parse(current.hour) : Date.parse(hourIso);
    while (mark + HOUR <= requested && readHourPointer(lakeRoot, new Date(mark + HOUR).toISOString()))
      mark += HOUR;
    const next: Watermark = {
      hour: new Date(mark).toISOString(),
      requested: new Date(requested).toISOString(),
      updatedAt: now.toISOString(),
    };
    if (next.hour !== current.hour || next.requested !== current.requested)
      writeJsonAtomically(join(dir, 'watermark.json'), next);
    return next;
  } finally {
    rmSync(lock, { force: true });
  }
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
