import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import { dayViewKey, hourViewKey } from '../../core/lake/layout';
import { key, type LakeStorage } from '../../core/lake/storage';
import { publishDay, readHourPointer, readHoursStamp } from '../../core/lake/views';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Rolls up every whole UTC day of [from, to) from its published hours, as the daily-rollup
 * schedule does each night (the hours' versions recorded, so readers use the day). Returns the
 * days' measures files, where an engine reads them.
 */
export async function rollUpDays(storage: LakeStorage, from: number, to: number): Promise<string[]> {
  const files: string[] = [];
  const engine = await DuckDbEngine.open(storage);
  try {
    for (let d = Math.ceil(from / DAY) * DAY; d + DAY <= to; d += DAY) {
      const day = new Date(d).toISOString().slice(0, 10);
      const hours = Array.from({ length: 24 }, (_, i) => new Date(d + i * HOUR).toISOString());
      const hoursStamp = await readHoursStamp(storage, day);
      const pointers = [];
      for (const h of hours) {
        const p = await readHourPointer(storage, h);
        if (p) pointers.push({ h, p });
      }
      const view = await engine.dayView(
        pointers.map(({ h, p }) => ({
          measures: key(hourViewKey(h), p.measures),
          uniques: key(hourViewKey(h), p.uniques),
        })),
        dayViewKey(day),
        'v1',
      );
      await publishDay(storage, {
        day,
        version: 'v1',
        ...view,
        hours: pointers.map(({ h }) => h),
        hourVersions: Object.fromEntries(pointers.map(({ h, p }) => [h, p.version])),
        hoursStamp,
        computedAt: new Date().toISOString(),
      });
      files.push(storage.uri(key(dayViewKey(day), view.measures)));
    }
  } finally {
    engine.close();
  }
  return files;
}
