import { localFiles } from '../../core/files/local-files';
import { backwardIncompatibilities, checkVersionChain } from '../../core/schemas/compatibility';
import { loadSchemaVersions, type JsonSchema } from '../../core/schemas/registry';
import { UserFacingError } from '../../core/errors';
import type { ParsedArgs } from '../args';

/**
 * `schema check`: every stored version chain is backward compatible.
 * `schema check --event E --file F`: would F be a valid next version of E?
 */
export function schemaCommand(args: ParsedArgs): number {
  if (args.positional[0] !== 'check') {
    throw new UserFacingError(
      'unknown schema action',
      'use: ./platform schema check [--event purchase --file new.json]',
    );
  }
  const versions = loadSchemaVersions();
  const event = args.options.event;
  const file = args.options.file;
  let problems: string[];
  if (typeof event === 'string' && typeof file === 'string') {
    const latest = versions.get(event)?.at(-1);
    if (!latest)
      throw new UserFacingError(`no stored schema for event '${event}'`, 'a first version needs no check');
    let proposed: JsonSchema;
    try {
      proposed = JSON.parse(localFiles.readText(file)) as JsonSchema;
    } catch (e) {
      throw new UserFacingError(`cannot read ${file} as JSON`, (e as Error).message);
    }
    problems = backwardIncompatibilities(latest.schema, proposed).map(
      (p) => `${event} v${latest.version} -> proposed: ${p}`,
    );
  } else {
    problems = [...versions.values()].flatMap((list) => checkVersionChain(list));
  }
  if (problems.length === 0) {
    console.log('schemas: backward compatible');
    return 0;
  }
  for (const p of problems) console.log(`incompatible: ${p}`);
  return 1;
}
