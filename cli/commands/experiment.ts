import { assignUser } from '../../core/experiments/assignment';
import { ExperimentSchema } from '../../core/experiments/definition';
import { ExperimentStore } from '../../serving-layer/experiments/experiment-store';
import { requireOption, type ParsedArgs } from '../args';
import { definitionCommand } from '../definition-command';

const USAGE =
  './platform experiment list|show|create|delete|assign --project P [--id X] [--file F] [--user U]';

/**
 * `experiment list|show|create|delete|assign --project P`: the experiments of a project, in the
 * metadata store (the same definitions as /v1/experiments). `assign --id X --user U` prints the
 * user's variation, as the API and the GrowthBook SDKs answer it.
 */
export function experimentCommand(args: ParsedArgs): Promise<number> {
  return definitionCommand(
    args,
    {
      name: 'experiment',
      usage: USAGE,
      exampleId: 'checkout',
      schema: ExperimentSchema,
      store: (db) => new ExperimentStore(db),
      line: (e) => `${e.id}\t${e.variations.map((v) => `${v.id} ${v.weight}`).join(', ')}\tfrom ${e.start}`,
    },
    async (action, c) => {
      if (action !== 'assign') return undefined;
      const user = requireOption(
        args,
        'user',
        `./platform experiment assign --project ${c.project} --id checkout --user u-42`,
      );
      console.log(JSON.stringify(assignUser((await c.found()).definition, user)));
      return 0;
    },
  );
}
