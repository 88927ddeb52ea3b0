import { createHash } from 'node:crypto';
import { EVENTS, eventHourKey, projectFolder } from './layout';
import { key, type LakeStorage } from './storage';
import { readHourPointer } from './views';

const HOUR = 3_600_000;

const parquet = (names: string[]) => names.filter((f) => f.endsWith('.parquet'));

/** The project folders of the lake's events (`project=<id>`). */
const projectFolders = (lake: LakeStorage) => lake.list(EVENTS);

/** Whether the lake holds events for the hour, in any project (or in one of `projects`). */
export async function lakeHolds(lake: LakeStorage, hourIso: string, projects?: string[]): Promise<boolean> {
  const wanted = projects && new Set(projects.map(projectFolder));
  for (const p of await projectFolders(lake)) {
    if (wanted && !wanted.has(p)) continue;
    const project = p.slice('project='.length);
    if (parquet(await lake.list(eventHourKey(project, hourIso))).length > 0) return true;
  }
  return false;
}

/**
 * The project's hours of [from, to) (epoch ms) that hold event files, oldest first, with their
 * folder key and the names of their files; `only`, when given, limits the hours looked at (days without one are not listed).
 */
export function eventHoursOf(
  lake: LakeStorage,
  projectId: string,
  from: number,
  to: number,
  only?: (hour: number) => boolean,
): Promise<{ hour: number; key: string; files: string[] }[]> {
  return hoursOf(lake, EVENTS, projectId, from, to, only);
}

/** The same for a dataset of the lake: `events`, or `quarantine` (by receivedAt). */
export async function hoursOf(
  lake: LakeStorage,
  dataset: typeof EVENTS | 'quarantine',
  projectId: string,
  from: number,
  to: number,
  only: (hour: number) => boolean = () => true,
): Promise<{ hour: number; key: string; files: string[] }[]> {
  const found: { hour: number; key: string; files: string[] }[] = [];
  const first = Math.floor(from / HOUR) * HOUR;
  const wanted = (h: number) => h >= first && h < to && only(h);
  // The folders that exist, walked by day: a range over all history costs its days with data,
  // not one probe per hour since 1970.
  const days = (await lake.list(key(dataset, projectFolder(projectId))))
    .filter((d) => d.startsWith('date='))
    .map((d) => d.slice('date='.length))
    .filter((d) => {
      const start = Date.parse(`${d}T00:00:00Z`);
      if (!Number.isFinite(start)) return false;
      for (let h = start; h < start + 24 * HOUR; h += HOUR) if (wanted(h)) return true;
      return false;
    })
    .sort();
  for (const day of days) {
    const hours = (await lake.list(key(dataset, projectFolder(projectId), `date=${day}`)))
      .filter((h) => /^hour=\d\d$/.test(h))
      .map((h) => Date.parse(`${day}T${h.slice('hour='.length)}:00:00Z`))
      .filter(wanted)
      .sort((a, b) => a - b);
    for (const h of hours) {
      const iso = new Date(h).toISOString();
      const k = key(
        dataset,
        projectFolder(projectId),
        `date=${iso.slice(0, 10)}`,
        `hour=${iso.slice(11, 13)}`,
      );
      const files = parquet(await lake.list(k));
      if (files.length > 0) found.push({ hour: h, key: k, files });
    }
  }
  return found;
}

/** Every event file of an hour, over all projects: project folder, name and size, in order. */
export async function eventFilesOfHour(
  lake: LakeStorage,
  hourIso: string,
): Promise<{ project: string; name: string; size: number }[]> {
  const out: { project: string; name: string; size: number }[] = [];
  for (const p of await projectFolders(lake)) {
    const dir = eventHourKey(p.slice('project='.length), hourIso);
    for (const f of await filesOf(lake, dir)) out.push({ project: p, ...f });
  }
  return out;
}

/** The event files of a folder of the lake (a project's hour): name and size, in order. */
export async function filesOf(lake: LakeStorage, dir: string): Promise<{ name: string; size: number }[]> {
  const out: { name: string; size: number }[] = [];
  for (const name of parquet(await lake.list(dir))) {
    const size = await lake.size(key(dir, name));
    if (size !== undefined) out.push({ name, size });
  }
  return out;
}

/**
 * A fingerprint of a project's event files of an hour, by name and size: the archiver names a file
 * by its Kafka range and never rewrites one with other content, and an erasure rewrites one under
 * its name without the erased rows (smaller), so the same fingerprint means the same events, as
 * for the batch layer's hour inputs.
 */
export function filesFingerprint(files: { name: string; size: number }[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    hash.update(`${f.name}:${f.size}\n`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * Hours before `end` (epoch ms) that the lake holds events for, in any project, and that no
 * published view covers, oldest first. The watermark never seals an hour it did not see computed,
 * so these are hours the batch layer still owes: history imported before the first sealed hour,
 * events that arrived before any hour was sealed.
 */
export async function unsealedLakeHours(lake: LakeStorage, end: number): Promise<string[]> {
  const hours = new Set<string>();
  const endDay = Number.isFinite(end) ? new Date(end).toISOString().slice(0, 10) : '';
  for (const project of await projectFolders(lake)) {
    for (const date of await lake.list(key(EVENTS, project))) {
      const day = date.slice('date='.length);
      if (!date.startsWith('date=') || day > endDay) continue;
      for (const hour of await lake.list(key(EVENTS, project, date))) {
        const iso = `${day}T${hour.slice('hour='.length)}:00:00.000Z`;
        const at = Date.parse(iso);
        if (!hour.startsWith('hour=') || !(at < end) || hours.has(iso)) continue;
        if (parquet(await lake.list(key(EVENTS, project, date, hour))).length > 0) hours.add(iso);
      }
    }
  }
  const owed: string[] = [];
  for (const h of [...hours].sort()) if ((await readHourPointer(lake, h)) === undefined) owed.push(h);
  return owed;
}
