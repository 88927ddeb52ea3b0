import { randomUUID } from 'node:crypto';
import { dayHoursStampKey, dayViewKey, hourViewKey, POINTER, PUBLISHED } from './layout';
import {
  DayPointerSchema,
  HourPointerSchema,
  readRecord,
  writeRecord,
  type DayPointer,
  type HourPointer,
} from './records';
import { key, type LakeStorage } from './storage';
import { readWatermarkHour } from './watermark';

/**
 * Batch views in the lake: per hour, Parquet files of minute measures and HLL registers, and a
 * pointer (`current.json`) naming the files in force. Publishing writes new files under a new
 * version, then swaps the pointer (written whole): readers see the old hour or the new one, never a
 * mix. The batch watermark (watermark.ts) is the last hour up to which every hour is sealed.
 */
export function readHourPointer(lake: LakeStorage, hourIso: string): Promise<HourPointer | undefined> {
  return readRecord(lake, key(hourViewKey(hourIso), POINTER), HourPointerSchema);
}

/**
 * Swaps the hour's pointer to `pointer`, then rewrites its day's hours stamp (after the pointer: a
 * rollup that read the old stamp then sees a stamp it did not record), then removes files no
 * pointer names any more.
 */
export async function publishHour(lake: LakeStorage, pointer: HourPointer): Promise<void> {
  const dir = hourViewKey(pointer.hour);
  await writeRecord(lake, key(dir, POINTER), HourPointerSchema, pointer, true);
  await lake.write(dayHoursStampKey(pointer.hour.slice(0, 10)), uniqueMark());
  await afterPublish(lake, dir, pointer);
}

/** The day's hours stamp, '' when none of its hours was ever published. */
export async function readHoursStamp(lake: LakeStorage, day: string): Promise<string> {
  return (await lake.read(dayHoursStampKey(day)))?.toString('utf8') ?? '';
}

const uniqueMark = () => JSON.stringify(`${Date.now()}-${process.pid}-${randomUUID()}`);

export function readDayPointer(lake: LakeStorage, day: string): Promise<DayPointer | undefined> {
  return readRecord(lake, key(dayViewKey(day), POINTER), DayPointerSchema);
}

/** Swaps the day's pointer, then removes files no pointer names any more. */
export async function publishDay(lake: LakeStorage, pointer: DayPointer): Promise<void> {
  const dir = dayViewKey(pointer.day);
  await writeRecord(lake, key(dir, POINTER), DayPointerSchema, pointer, true);
  await afterPublish(lake, dir, pointer);
}

async function afterPublish(lake: LakeStorage, dir: string, pointer: { measures: string; uniques: string }) {
  await markPublished(lake);
  for (const f of await lake.list(dir)) {
    if (f.endsWith('.parquet') && f !== pointer.measures && f !== pointer.uniques)
      await lake.delete(key(dir, f));
  }
}

/**
 * Every pointer swap writes a fresh mark to `views/published`: with the watermark it tells readers
 * (the serving layer's cache) that the batch view changed, including a repaired sealed hour that
 * does not move the watermark.
 */
export async function markPublished(lake: LakeStorage): Promise<void> {
  await lake.write(PUBLISHED, uniqueMark());
}

/**
 * Changes whenever the batch view does: the watermark and the last publish mark, which every
 * pointer swap writes and removing late-data markers writes too (a repaired sealed hour, late
 * events absorbed). Read on every request: only the watermark folder, not the seal requests.
 */
export async function batchViewStamp(lake: LakeStorage): Promise<string> {
  const mark = (await lake.read(PUBLISHED))?.toString('utf8') ?? '';
  return `${(await readWatermarkHour(lake)) ?? ''}|${mark}`;
}
