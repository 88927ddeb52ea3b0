import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readHourPointer } from './batch-views';

/**
 * Hours before `end` (epoch ms) that the lake holds events for, in any project, and that no
 * published view covers, oldest first. The watermark never seals an hour it did not see computed,
 * so these are hours the batch layer still owes: history imported before the first sealed hour,
 * events that arrived before any hour was sealed.
 */
export function unsealedLakeHours(lakeRoot: string, end: number): string[] {
  const eventsDir = join(lakeRoot, 'events');
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const hours = new Set<string>();
  const endDay = Number.isFinite(end) ? new Date(end).toISOString().slice(0, 10) : '';
  for (const project of list(eventsDir)) {
    for (const date of list(join(eventsDir, project))) {
      const day = date.slice('date='.length);
      if (!date.startsWith('date=') || day > endDay) continue;
      for (const hour of list(join(eventsDir, project, date))) {
        const iso = `${day}T${hour.slice('hour='.length)}:00:00.000Z`;
        const at = Date.parse(iso);
        if (!hour.startsWith('hour=') || !(at < end) || hours.has(iso)) continue;
        if (list(join(eventsDir, project, date, hour)).some((f) => f.endsWith('.parquet'))) hours.add(iso);
      }
    }
  }
  return [...hours].filter((h) => readHourPointer(lakeRoot, h) === undefined).sort();
}

/** Whether the lake holds events for the hour, in any project (or in one of `projects`: `project=<id>` names). */
export function lakeHolds(lakeRoot: string, hourIso: string, projects?: Set<string>): boolean {
  const eventsDir = join(lakeRoot, 'events');
  let names: string[];
  try {
    names = readdirSync(eventsDir);
  } catch {
    return false;
  }
  return names.some((p) => {
    if (projects && !projects.has(p)) return false;
    try {
      return readdirSync(
        join(eventsDir, p, `date=${hourIso.slice(0, 10)}`, `hour=${hourIso.slice(11, 13)}`),
      ).some((f) => f.endsWith('.parquet'));
    } catch {
      return false;
    }
  });
}
