import { SegmentSchema } from '../../core/segments/definition';
import { SegmentStore } from '../../serving-layer/segments/segment-store';
import type { ParsedArgs } from '../args';
import { definitionCommand } from '../definition-command';

const USAGE = './platform segment list|show|create|delete --project P [--id X] [--file F]';

/**
 * `segment list|show|create|delete --project P`: the segments of a project, in the metadata store
 * (the same definitions as /v1/segments; their size and members are the API's).
 */
export function segmentCommand(args: ParsedArgs): Promise<number> {
  return definitionCommand(args, {
    name: 'segment',
    usage: USAGE,
    exampleId: 'pro-users',
    schema: SegmentSchema,
    store: (db) => new SegmentStore(db),
    line: (s) => `${s.id}\t${s.name ?? ''}\t${JSON.stringify(s.condition)}`,
  });
}
