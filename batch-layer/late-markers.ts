import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { markPublished } from './batch-views';

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
 * What the lake archiver has written for good, per `topic-partition`: the last offset over every
 * archiver group (`_state/<group>/`, batch-layer/lake-range-store.ts; the highest wins). A view computed after reading this holds every event up to
 * these offsets; recorded in its pointer, it tells which late events a view already holds.
 */
export function archivedOffsets(lakeRoot: string): Record<string, string> {
  const dir = join(lakeRoot, '_state');
  const out: Record<string, bigint> = {};
  if (!existsSync(dir)) return {};
  for (const group of readdirSync(dir)) {
    let files: string[];
    try {
      files = readdirSync(join(dir, group)).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      const s = JSON.parse(readFileSync(join(dir, group, f), 'utf8')) as {
        first: string;
        last: string;
        phase: string;
      };
      const done = s.phase === 'after' ? BigInt(s.last) : BigInt(s.first) - 1n;
      const key = f.slice(0, -'.json'.length);
      if (out[key] === undefined || done > out[key]) out[key] = done;
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toString()]));
}

/**
 * Whether everything up to `range` was archived by the time `archived` was read: a view computed
 * with it (its pointer's) holds the late events of `range`.
 */
export function viewHolds(archived: Record<string, string> | undefined, range: LateMarker['range']): boolean {
  const through = archived?.[`${range.topic}-${range.partition}`];
  return through !== undefined && BigInt(through) >= BigInt(range.last);
}

/**
 * Markers whose events are already in the lake. The speed layer and the archiver read the log
 * independently: a repair run before the archiver wrote a late event would seal the hour without
 * it and drop the marker, so markers the archiver has not caught up with wait for the next run.
 */
export function readyLateMarkers(lakeRoot: string): LateMarker[] {
  const archived = archivedOffsets(lakeRoot);
  return listLateMarkers(lakeRoot).filter((m) => viewHolds(archived, m.range));
}

/**
 * Removes markers once their hours are recomputed (only those read: newer ones stay), then marks
 * the batch view changed: readers stop answering those hours from the speed view at this point.
 */
export function removeLateMarkers(lakeRoot: string, files: string[]): void {
  if (files.length === 0) return;
  for (const f of files) rmSync(join(lakeRoot, '_late', f), { force: true });
  markPublished(lakeRoot);
}

/**
 * Hours named by late-event markers, per project (`project|hourIso`), with the Kafka ranges of
 * their late events, from every marker, ready or not (viewHolds says whether a view has them).
 * Markers never change once written (a replay rewrites the same content), so each file is parsed
 * once and only the listing is read again.
 */
export class LateHoursIndex {
  private readonly parsed = new Map<string, { keys: string[]; range: LateMarker['range'] }>();

  constructor(private readonly lakeRoot: string) {}

  hours(): Map<string, LateMarker['range'][]> {
    const dir = join(this.lakeRoot, '_late');
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return new Map();
    }
    const out = new Map<string, LateMarker['range'][]>();
    const present = new Set(files);
    for (const key of this.parsed.keys()) if (!present.has(key)) this.parsed.delete(key);
    for (const f of files) {
      let marker = this.parsed.get(f);
      if (!marker) {
        try {
          const body = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<LateMarker, 'file'>;
          marker = {
            keys: body.hours.map((h) => `${h.projectId}|${new Date(h.hour).toISOString()}`),
            range: body.range,
          };
        } catch {
          continue; // removed between the listing and the read: absorbed already
        }
        this.parsed.set(f, marker);
      }
      for (const k of marker.keys) {
        const ranges = out.get(k);
        if (ranges) ranges.push(marker.range);
        else out.set(k, [marker.range]);
      }
    }
    return out;
  }
}
