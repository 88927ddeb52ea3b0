import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  const dir = hourDir(lakeRoot, pointer.hour);
  mkdirSync(dir, { recursive: true });
  writeJsonAtomically(join(dir, 'current.json'), pointer);
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.parquet') && f !== pointer.measures && f !== pointer.uniques) rmSync(join(dir, f), { force: true });
  }
}

export interface Watermark {
  /** Start of the last sealed hour (every hour up to its end is in the batch view). */
  hour: string | null;
  updatedAt: string;
}

export function readWatermark(lakeRoot: string): Watermark {
  const f = join(lakeRoot, 'views', 'watermark.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Watermark) : { hour: null, updatedAt: '' };
}

/**
 * Moves the watermark forward to `hourIso` when every hour between the current watermark and it
 * is published (a gap keeps it where it is); never moves it back. A lock file serialises
 * concurrent updates (hourly runs and backfill children).
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
    const target = Date.parse(hourIso);
    if (current.hour !== null && Date.parse(current.hour) >= target) return current;
    if (current.hour !== null) {
      for (let h = Date.parse(current.hour) + HOUR; h < target; h += HOUR) {
        if (!readHourPointer(lakeRoot, new Date(h).toISOString())) return current;
      }
    }
    const next: Watermark = { hour: new Date(target).toISOString(), updatedAt: now.toISOString() };
    writeJsonAtomically(join(dir, 'watermark.json'), next);
    return next;
  } finally {
    rmSync(lock, { force: true });
  }
}
