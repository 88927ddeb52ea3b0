import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The speed layer's hand-off (speed-layer/range-writer.ts): hours that received late events. */
export interface LateMarker {
  file: string;
  hours: { projectId: string; hour: string; events: number }[];
}

export function listLateMarkers(lakeRoot: string): LateMarker[] {
  const dir = join(lakeRoot, '_late');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const body = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { hours: LateMarker['hours'] };
      return { file: f, hours: body.hours };
    });
}

/** Removes markers once their hours are recomputed (only those read: newer ones stay). */
export function removeLateMarkers(lakeRoot: string, files: string[]): void {
  for (const f of files) rmSync(join(lakeRoot, '_late', f), { force: true });
}
