import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
export function hourInputs(lakeRoot: string, hourIso: string): string {
  const hash = createHash('sha256').update(CATALOG_SQL);
  const eventsDir = join(lakeRoot, 'events');
  let projects: string[] = [];
  try {
    projects = readdirSync(eventsDir).sort();
  } catch {
    // An empty lake.
  }
  for (const p of projects) {
    const dir = join(eventsDir, p, `date=${hourIso.slice(0, 10)}`, `hour=${hourIso.slice(11, 13)}`);
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.parquet'))
        .sort();
    } catch {
      continue;
    }
    for (const f of files) hash.update(`${p}/${f}:${statSync(join(dir, f)).size}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}
