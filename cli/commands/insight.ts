import { InsightSchema, type InsightDefinition } from '../../core/insights/definition';
import { InsightStore } from '../../serving-layer/insights/insight-store';
import type { ParsedArgs } from '../args';
import { definitionCommand } from '../definition-command';

const USAGE = './platform insight list|show|create|delete --project P [--id X] [--file F]';

/**
 * `insight list|show|create|delete --project P`: the metrics a project defined without code, in
 * the metadata store (the same definitions as /v1/insights; their answers are the API's).
 */
export function insightCommand(args: ParsedArgs): Promise<number> {
  return definitionCommand(args, {
    name: 'insight',
    usage: USAGE,
    exampleId: 'avg-order-pro',
    schema: InsightSchema,
    store: (db) => new InsightStore(db),
    line: (d) => `${d.id}\t${d.formula ?? describe(d.measure)}\t${(d.events ?? ['*']).join(',')}`,
  });
}

/** A measure as one word of a listing: its kind, and the property it reads. */
function describe(m: InsightDefinition['measure']): string {
  return m ? `${m.kind}${'property' in m ? `(${m.property})` : ''}` : '';
}
