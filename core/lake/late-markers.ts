import { LATE_DIR, lateMarkerKey, STATE_DIR } from './layout';
import { LateMarkerSchema, RangeStateSchema, readRecord, writeRecord, type LateMarkerBody } from './records';
import { key, type LakeStorage } from './storage';
import { markPublished } from './views';

/** A late-event marker (the speed layer's hand-off, written by writeLateMarker) and its file name. */
export interface LateMarker extends LateMarkerBody {
  file: string;
}

type KafkaRange = LateMarkerBody['range'];

/**
 * Hours that received late events, handed to the batch layer: a small JSON file in `_late/`, named
 * by the Kafka range (a replay rewrites the same file). Late-data repair recomputes those hours and
 * removes the file.
 */
export async function writeLateMarker(lake: LakeStorage, range: KafkaRange, hours: Map<string, number>) {
  const body = [...hours].sort().map(([k, events]) => {
    const [projectId, hour] = k.split('|') as [string, string];
    return { projectId, hour, events };
  });
  await writeRecord(lake, lateMarkerKey(range), LateMarkerSchema, { range, hours: body });
}

export async function listLateMarkers(lake: LakeStorage): Promise<LateMarker[]> {
  const out: LateMarker[] = [];
  for (const f of (await lake.list(LATE_DIR)).filter((n) => n.endsWith('.json'))) {
    const body = await readRecord(lake, key(LATE_DIR, f), LateMarkerSchema);
    if (body) out.push({ file: f, ...body }); // else removed since the listing: absorbed already
  }
  return out;
}

/**
 * What the lake archiver has written for good, per `topic-partition`: the last offset over every
 * archiver group (`_state/<group>/`, batch-layer/lake-range-store.ts; the highest wins). A view computed after
 * reading this holds every event up to these offsets; recorded in its pointer, it tells which late
 * events a view already holds.
 */
export async function archivedOffsets(lake: LakeStorage): Promise<Record<string, string>> {
  const out = Object.create(null) as Record<string, bigint>;
  for (const group of await lake.list(STATE_DIR)) {
    for (const f of (await lake.list(key(STATE_DIR, group))).filter((n) => n.endsWith('.json'))) {
      const s = await readRecord(lake, key(STATE_DIR, group, f), RangeStateSchema);
      if (!s) continue;
      const done = s.phase === 'after' ? BigInt(s.last) : BigInt(s.first) - 1n;
      const k = f.slice(0, -'.json'.length);
      if (out[k] === undefined || done > out[k]) out[k] = done;
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toString()]));
}

/**
 * Whether everything up to `range` was archived by the time `archived` was read: a view computed
 * with it (its pointer's) holds the late events of `range`.
 */
export function viewHolds(archived: Record<string, string> | undefined, range: KafkaRange): boolean {
  const through = archived?.[`${range.topic}-${range.partition}`];
  return through !== undefined && BigInt(through) >= BigInt(range.last);
}

/**
 * Markers whose events are already in the lake. The speed layer and the archiver read the log
 * independently: a repair run before the archiver wrote a late event would seal the hour without
 * it and drop the marker, so markers the archiver has not caught up with wait for the next run.
 */
export async function readyLateMarkers(lake: LakeStorage): Promise<LateMarker[]> {
  const archived = await archivedOffsets(lake);
  return (await listLateMarkers(lake)).filter((m) => viewHolds(archived, m.range));
}

/**
 * Removes markers once their hours are recomputed (only those read: newer ones stay), then marks
 * the batch view changed: readers stop answering those hours from the speed view at this point.
 */
export async function removeLateMarkers(lake: LakeStorage, files: string[]): Promise<void> {
  if (files.length === 0) return;
  for (const f of files) await lake.delete(key(LATE_DIR, f));
  await markPublished(lake);
}

/**
 * Hours named by late-event markers, per project (`project|hourIso`), with the Kafka ranges of
 * their late events, from every marker, ready or not (viewHolds says whether a view has them).
 * Markers never change once written (a replay rewrites the same content), so each file is parsed
 * once and only the listing is read again.
 */
export class LateHoursIndex {
  private readonly parsed = new Map<string, { keys: string[]; range: KafkaRange }>();

  constructor(private readonly lake: LakeStorage) {}

  async hours(): Promise<Map<string, KafkaRange[]>> {
    const files = (await this.lake.list(LATE_DIR)).filter((f) => f.endsWith('.json'));
    const out = new Map<string, KafkaRange[]>();
    const present = new Set(files);
    for (const k of this.parsed.keys()) if (!present.has(k)) this.parsed.delete(k);
    for (const f of files) {
      let marker = this.parsed.get(f);
      if (!marker) {
        const body = await readRecord(this.lake, key(LATE_DIR, f), LateMarkerSchema);
        if (!body) continue; // removed between the listing and the read: absorbed already
        marker = {
          keys: body.hours.map((h) => `${h.projectId}|${new Date(h.hour).toISOString()}`),
          range: body.range,
        };
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
