import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The speed layer's hand-off (speed-layer/range-writer.ts): hours that received late events. */
export interface LateMarker {
  file: string;
  /** The Kafka range whose events were late. */
  range: { topic: string; partition: number; first: string; last: string };
  hours: { projectId: string; hour: string; events: number }[];
}

export function listLateMarkers(lakeRoot: string): LateMarker[] {
  const dir = join(lakeRoot, '_late');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const body = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<LateMarker, 'file'>;
      return { file: f, range: body.range, hours: body.hours };
    });
}

/**
 * The last offset of a partition the lake archiver has written for good (`_state/<group>/`,
 * batch-layer/lake-range-store.ts), over every archiver group; -1 when none has.
 */
export function archivedThrough(lakeRoot: string, topic: string, partition: number): bigint {
  const dir = join(lakeRoot, '_state');
  if (!existsSync(dir)) return -1n;
  let through = -1n;
  for (const group of readdirSync(dir)) {
    const f = join(dir, group, `${topic}-${partition}.json`);
    if (!existsSync(f)) continue;
    const s = JSON.parse(readFileSync(f, 'utf8')) as { first: string; last: string; phase: string };
    const done = s.phase === 'after' ? BigInt(s.last) : BigInt(s.first) - 1n;
    if (done > through) through = done;
  }
  return through;
}

/**
 * Markers whose events are already in the lake. The speed layer and the archiver read the log
 * independently: a repair run before the archiver wrote a late event would seal the hour without
 * it and drop the marker, so markers the archiver has not caught up with wait for the next run.
 */
export function readyLateMarkers(lakeRoot: string): LateMarker[] {
  return listLateMarkers(lakeRoot).filter(
    (m) => archivedThrough(lakeRoot, m.range.topic, m.range.partition) >= BigInt(m.range.last),
  );
}

/** Removes markers once their hours are recomputed (only those read: newer ones stay). */
export function removeLateMarkers(lakeRoot: string, files: string[]): void {
  for (const f of files) rmSync(join(lakeRoot, '_late', f), { force: true });
}
