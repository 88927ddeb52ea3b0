import { SEGMENT_ID, type SegmentDefinition } from '../../core/segments/definition';
import { BadQueryError } from '../query/errors';
import type { SegmentScope } from '../query/answer';
import type { SegmentStore } from './segment-store';

const MAX_BREAKDOWN = 10;

/** The project's segments named by `?segment=` (comma-separated), else a 400 the caller can act on. */
async function named(store: SegmentStore, project: string, raw: string): Promise<SegmentDefinition[]> {
  const ids = raw.split(',').map((s) => s.trim());
  if (ids.length > MAX_BREAKDOWN) throw new BadQueryError(`at most ${MAX_BREAKDOWN} segments side by side`);
  if (new Set(ids).size !== ids.length) throw new BadQueryError('a segment is named twice in segment=');
  return Promise.all(
    ids.map(async (id) => {
      const found = SEGMENT_ID.test(id) ? await store.get(project, id) : undefined;
      if (!found)
        throw new BadQueryError(`unknown segment '${id}': GET /v1/segments lists this project's segments`);
      return found.definition;
    }),
  );
}

/** `?segment=` on the analyses that take one segment. */
export async function oneSegment(
  store: SegmentStore,
  project: string,
  raw: string | undefined,
): Promise<SegmentDefinition | undefined> {
  if (raw === undefined) return undefined;
  const segments = await named(store, project, raw);
  if (segments.length !== 1)
    throw new BadQueryError(
      'segment= names one segment here (several side by side: a metric with breakdown=segment)',
    );
  return segments[0];
}

/** `?segment=` and `?breakdown=segment` on metrics. */
export async function segmentScope(
  store: SegmentStore,
  project: string,
  raw: string | undefined,
  breakdown: 'segment' | undefined,
): Promise<SegmentScope | undefined> {
  if (raw === undefined) {
    if (breakdown)
      throw new BadQueryError('breakdown=segment needs segment=<id>,<id>: the segments to compare');
    return undefined;
  }
  const segments = await named(store, project, raw);
  if (!breakdown && segments.length > 1)
    throw new BadQueryError('several segments need breakdown=segment (one series each)');
  return { segments, breakdown: breakdown === 'segment' };
}
