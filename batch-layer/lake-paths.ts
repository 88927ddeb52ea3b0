import { existsSync } from 'node:fs';
import { join } from 'node:path';

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

export function partitionDir(root: string, dataset: 'events' | 'quarantine', p: LakePartition): string {
  return join(root, dataset, `project=${p.projectId}`, `date=${p.date}`, `hour=${p.hour}`);
}

/**
 * A file's name is the Kafka range it holds: replaying the same range after a crash rewrites the
 * same file instead of adding a second copy.
 */
export function partFileName(topic: string, partition: number, first: string, last: string): string {
  return `part-${topic}-${partition}-${first.padStart(20, '0')}-${last.padStart(20, '0')}.parquet`;
}

const HOUR = 3_600_000;

/** The project's hour partitions of [from, to) (epoch ms) that exist in the lake, oldest first. */
export function existingHourPartitions(
  root: string,
  projectId: string,
  from: number,
  to: number,
): { hour: number; dir: string }[] {
  const found: { hour: number; dir: string }[] = [];
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
    const dir = partitionDir(root, 'events', partitionOf(projectId, new Date(h).toISOString()));
    if (existsSync(dir)) found.push({ hour: h, dir });
  }
  return found;
}
