import type { z } from 'zod';
import { loadConfig } from '../core/config/config';
import { UserFacingError } from '../core/errors';
import { localFiles } from '../core/files/local-files';
import { definitionProblems, type DefinitionStore, type Stored } from '../core/metadata/definition-store';
import { MetadataStore } from '../core/metadata/store';
import { requireOption, type ParsedArgs } from './args';
import { cliAudit } from './cli-audit';

/** A kind of definition the CLI manages in the metadata store (experiments, segments). */
export interface DefinitionKind<D extends { id: string }> {
  name: string;
  usage: string;
  exampleId: string;
  schema: z.ZodType<D>;
  store: (db: MetadataStore) => DefinitionStore<D>;
  /** One line of `list`. */
  line: (d: D) => string;
}

/** What a kind's own actions get: the project, the store, and the definition named by --id. */
export interface DefinitionContext<D extends { id: string }> {
  project: string;
  store: DefinitionStore<D>;
  found: () => Promise<Stored<D>>;
}

/**
 * `<kind> list|show|create|delete --project P`, the definitions the API serves: `create --file F`
 * takes the JSON the API takes (and replaces one of the same id). Other actions go to `more`.
 */
export async function definitionCommand<D extends { id: string }>(
  args: ParsedArgs,
  kind: DefinitionKind<D>,
  more: (action: string | undefined, c: DefinitionContext<D>) => Promise<number | undefined> = async () =>
    undefined,
): Promise<number> {
  const action = args.positional[0];
  const project = requireOption(args, 'project', `./platform ${kind.name} list --project demo`);
  const db = await MetadataStore.open(loadConfig().metadata.url);
  try {
    const store = kind.store(db);
    const id = () =>
      requireOption(
        args,
        'id',
        `./platform ${kind.name} ${action} --project ${project} --id ${kind.exampleId}`,
      );
    const found = async () => {
      const d = await store.get(project, id());
      if (!d)
        throw new UserFacingError(
          `no ${kind.name} '${id()}' in project ${project}`,
          `list them: ./platform ${kind.name} list --project ${project}`,
        );
      return d;
    };
    switch (action) {
      case 'list':
        for (const d of await store.list(project)) console.log(kind.line(d.definition));
        return 0;
      case 'show':
        console.log(JSON.stringify((await found()).definition, null, 2));
        return 0;
      case 'create': {
        const file = requireOption(
          args,
          'file',
          `./platform ${kind.name} create --project ${project} --file ${kind.exampleId}.json`,
        );
        const text = localFiles.readTextIfExists(file);
        if (text === undefined)
          throw new UserFacingError(`no file ${file}`, `give the path of the ${kind.name} JSON`);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (e) {
          throw new UserFacingError(`${file} is not JSON: ${(e as Error).message}`, 'fix the file');
        }
        const parsed = kind.schema.safeParse(body);
        if (!parsed.success)
          throw new UserFacingError(
            `invalid ${kind.name}: ${definitionProblems(parsed.error)}`,
            'fix the file',
          );
        const created = await store.create(project, parsed.data);
        const saved = created ?? (await store.replace(project, parsed.data));
        await cliAudit(db, project, `${kind.name}.${created ? 'created' : 'changed'}`, parsed.data.id);
        console.log(
          `${created ? 'created' : 'replaced'} ${kind.name} ${parsed.data.id} in project ${project}`,
        );
        return typeof saved === 'string' ? 1 : 0;
      }
      case 'delete':
        if (!(await store.delete(project, id()))) await found();
        await cliAudit(db, project, `${kind.name}.deleted`, id());
        console.log(`deleted ${kind.name} ${id()}`);
        return 0;
      default: {
        const code = await more(action, { project, store, found });
        if (code === undefined)
          throw new UserFacingError(`unknown ${kind.name} action '${action ?? ''}'`, kind.usage);
        return code;
      }
    }
  } finally {
    await db.close();
  }
}
