import { assignUser } from '../../core/experiments/assignment';
import { ExperimentSchema, experimentProblems } from '../../core/experiments/definition';
import { loadConfig } from '../../core/config';
import { UserFacingError } from '../../core/errors';
import { localFiles } from '../../core/lake/local-storage';
import { MetadataStore } from '../../core/metadata/store';
import { ExperimentStore } from '../../serving-layer/experiments/experiment-store';
import { requireOption, type ParsedArgs } from '../args';

const USAGE =
  './platform experiment list|show|create|delete|assign --project P [--id X] [--file F] [--user U]';

/**
 * `experiment list|show|create|delete|assign --project P`: the experiments of a project, in the
 * metadata store (the same definitions as /v1/experiments). `create --file F` takes the JSON the
 * API takes (it replaces an experiment of the same id); `assign --id X --user U` prints the
 * user's variation, as the API and the GrowthBook SDKs answer it.
 */
export async function experimentCommand(args: ParsedArgs): Promise<number> {
  const action = args.positional[0];
  const project = requireOption(args, 'project', './platform experiment list --project demo');
  const db = await MetadataStore.open(loadConfig().metadata.url);
  try {
    const store = new ExperimentStore(db);
    const id = () =>
      requireOption(args, 'id', `./platform experiment ${action} --project ${project} --id checkout`);
    const found = async () => {
      const e = await store.get(project, id());
      if (!e)
        throw new UserFacingError(
          `no experiment '${id()}' in project ${project}`,
          `list them: ./platform experiment list --project ${project}`,
        );
      return e;
    };
    switch (action) {
      case 'list':
        for (const e of await store.list(project))
          console.log(
            `${e.definition.id}\t${e.definition.variations.map((v) => `${v.id} ${v.weight}`).join(', ')}\tfrom ${e.definition.start}`,
          );
        return 0;
      case 'show':
        console.log(JSON.stringify((await found()).definition, null, 2));
        return 0;
      case 'create': {
        const file = requireOption(
          args,
          'file',
          `./platform experiment create --project ${project} --file checkout.json`,
        );
        const text = localFiles.readTextIfExists(file);
        if (text === undefined)
          throw new UserFacingError(`no file ${file}`, 'give the path of the experiment JSON');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (e) {
          throw new UserFacingError(`${file} is not JSON: ${(e as Error).message}`, 'fix the file');
        }
        const parsed = ExperimentSchema.safeParse(body);
        if (!parsed.success)
          throw new UserFacingError(
            `invalid experiment: ${experimentProblems(parsed.error)}`,
            'fix the file',
          );
        const created = await store.create(project, parsed.data);
        const saved = created ?? (await store.replace(project, parsed.data));
        console.log(`${created ? 'created' : 'replaced'} experiment ${parsed.data.id} in project ${project}`);
        return typeof saved === 'string' ? 1 : 0;
      }
      case 'delete':
        if (!(await store.delete(project, id()))) await found();
        console.log(`deleted experiment ${id()}`);
        return 0;
      case 'assign': {
        const user = requireOption(
          args,
          'user',
          `./platform experiment assign --project ${project} --id checkout --user u-42`,
        );
        console.log(JSON.stringify(assignUser((await found()).definition, user)));
        return 0;
      }
      default:
        throw new UserFacingError(`unknown experiment action '${action ?? ''}'`, USAGE);
    }
  } finally {
    await db.close();
  }
}
