import { createHash } from 'node:crypto';
import { eventFilesOfHour } from '../core/lake/events';
import type { LakeStorage } from '../core/lake/storage';
import { measuresSql, SETUP_STATEMENTS, uniquesSql } from './duckdb-catalog';

/** Changes whenever the catalog's SQL does: a view computed by other SQL is not up to date. */
const CATALOG_SQL = createHash('sha256')
  .update([...SETUP_STATEMENTS, measuresSql(), uniquesSql()].join('\n'))
  .digest('hex')
  .slice(0, 16);

/**
 * A fingerprint of what an hour's view is computed from: every lake file of the hour (each
 * project's partition, name and size; the archiver names files by their Kafka range and never
 * rewrites one with other content) and the catalog's SQL. Same fingerprint, same view: a
 * recompute that finds it unchanged has nothing to do.
 */
export async function hourInputs(lake: LakeStorage, hourIso: string): Promise<string> {
  const hash = createHash('sha256').update(CATALOG_SQL);
  for (const f of await eventFilesOfHour(lake, hourIso)) hash.update(`${f.project}/${f.name}:${f.size}\n`);
  return hash.digest('hex').slice(0, 32);
}
