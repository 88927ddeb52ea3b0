import { REQUESTS_DIR, WATERMARK_DIR } from './layout';
import { key, type LakeStorage } from './storage';
import { readHourPointer } from './views';

const HOUR = 3_600_000;

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
 * there is no lock.
 */
async function latestName(lake: LakeStorage, dir: string): Promise<string | null> {
  const names = await lake.list(dir);
  return names.length > 0 ? (names[names.length - 1] as string) : null;
}

/** Start of the last sealed hour, or null: the watermark alone, as readers need it. */
export async function readWatermarkHour(lake: LakeStorage): Promise<string | null> {
  return latestName(lake, WATERMARK_DIR);
}

/** Adds `hourIso` to a folder of hour names, then drops names older than the latest seen. */
async function recordHour(lake: LakeStorage, dir: string, hourIso: string): Promise<void> {
  await lake.create(key(dir, hourIso), '');
  const names = await lake.list(dir);
  const latest = names[names.length - 1];
  for (const n of names) if (latest !== undefined && n < latest) await lake.delete(key(dir, n));
}

export async function readWatermark(lake: LakeStorage): Promise<Watermark> {
  return {
    hour: await readWatermarkHour(lake),
    requested: await latestName(lake, REQUESTS_DIR),
  };
}

/**
 * Asks for hours up to `hourIso` to be sealed, and moves the watermark forward across every
 * contiguous published hour up to the latest hour ever asked for: a gap holds it back until the
 * missing hour is published, whichever order concurrent runs finish in. Never moves it back.
 * Hours before the first sealed hour are not sealed by it: each is sealed by its own view.
 */
export async function advanceWatermark(lake: LakeStorage, hourIso: string): Promise<Watermark> {
  await recordHour(lake, REQUESTS_DIR, new Date(Date.parse(hourIso)).toISOString());
  const current = await readWatermark(lake);
  const requested = Date.parse(current.requested ?? hourIso);
  // The first hour ever sealed starts the watermark, if it is published; then it grows contiguously.
  let mark = current.hour !== null ? Date.parse(current.hour) : Date.parse(hourIso);
  if (current.hour === null && !(await readHourPointer(lake, new Date(mark).toISOString())))
    return { hour: null, requested: current.requested ?? null };
  while (mark + HOUR <= requested && (await readHourPointer(lake, new Date(mark + HOUR).toISOString())))
    mark += HOUR;
  const hour = new Date(mark).toISOString();
  if (hour !== current.hour) await recordHour(lake, WATERMARK_DIR, hour);
  return { hour, requested: current.requested ?? null };
}
