import { key } from './storage';

/**
 * Every key of the lake, built here only:
 *
 *   events/project=<id>/date=<YYYY-MM-DD>/hour=<HH>/part-<topic>-<partition>-<first>-<last>.parquet
 *   quarantine/project=<id>/date=…/hour=…/part-….parquet        (by arrival hour)
 *   views/hourly/date=…/hour=…/{current.json, measures-<v>.parquet, uniques-<v>.parquet}
 *   views/daily/date=…/{current.json, measures-<v>.parquet, uniques-<v>.parquet}
 *   views/watermark/<hour>, views/seal-requests/<hour>           (empty files named by hour)
 *   views/published                                              (the last publish mark)
 *   _late/<topic>-<partition>-<first>-<last>.json                (late-event markers)
 *   _state/<group>/<topic>-<partition>.json                      (the archiver's Kafka ranges)
 */
export type LakeDataset = 'events' | 'quarantine';

/** Hive-style partition of the lake by project and event hour (UTC). */
export interface LakePartition {
  projectId: string;
  /** YYYY-MM-DD */
  date: string;
  /** 00..23 */
  hour: string;
}

export function partitionOf(projectId: string, eventTimeIso: string): LakePartition {
  // ISO strings from the collector are always UTC 'YYYY-MM-DDTHH:...Z'.
  return { projectId, date: eventTimeIso.slice(0, 10), hour: eventTimeIso.slice(11, 13) };
}

export const projectFolder = (projectId: string): string => `project=${projectId}`;

export function partitionKey(dataset: LakeDataset, p: LakePartition): string {
  return key(dataset, projectFolder(p.projectId), `date=${p.date}`, `hour=${p.hour}`);
}

/** The folder of an hour's event files in one project ('*' for every project, as a glob). */
export function eventHourKey(project: string, hourIso: string): string {
  return key(
    'events',
    projectFolder(project),
    `date=${hourIso.slice(0, 10)}`,
    `hour=${hourIso.slice(11, 13)}`,
  );
}

export const EVENTS = 'events';

/**
 * A file's name is the Kafka range it holds: replaying the same range after a crash rewrites the
 * same file instead of adding a second copy.
 */
export function partFileName(topic: string, partition: number, first: string, last: string): string {
  return `part-${topic}-${partition}-${first.padStart(20, '0')}-${last.padStart(20, '0')}.parquet`;
}

export const POINTER = 'current.json';

export function hourViewKey(hourIso: string): string {
  return key('views', 'hourly', `date=${hourIso.slice(0, 10)}`, `hour=${hourIso.slice(11, 13)}`);
}

export function dayViewKey(day: string): string {
  return key('views', 'daily', `date=${day}`);
}

/**
 * The day's hours stamp: rewritten by every publish of one of the day's hour views, so a daily
 * view that recorded it vouches for its 24 hours with one read (core/lake/views.ts).
 */
export function dayHoursStampKey(day: string): string {
  return key('views', 'hourly', `date=${day}`, 'stamp');
}

export const PUBLISHED = 'views/published';
export const WATERMARK_DIR = 'views/watermark';
export const REQUESTS_DIR = 'views/seal-requests';

export const LATE_DIR = '_late';

export function lateMarkerKey(range: {
  topic: string;
  partition: number;
  first: string;
  last: string;
}): string {
  return key(LATE_DIR, `${range.topic}-${range.partition}-${range.first}-${range.last}.json`);
}

export const STATE_DIR = '_state';

export function rangeStateKey(group: string, topic: string, partition: number): string {
  return key(STATE_DIR, group, `${topic}-${partition}.json`);
}
