import { InsightSchema } from '../../core/insights/definition';
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
    line: (d) =>
      `${d.id}\t${d.measure.kind}${'property' in d.measure ? `(${d.measure.property})` : ''}\t${(d.events ?? ['*']).join(',')}`,
  });
}
