import { BadQueryError } from './errors';

const MAX_VALUES = 100;

/**
 * Parses `?filter=<dimension>:<value>[,<value>...]` (e.g. `filter=content_id:c-1,c-2`): the answer
 * keeps only those values of the metric's dimension. The values are bound as parameters.
 */
export function parseFilter(raw: unknown, dimension: string | undefined): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new BadQueryError('filter must be given once, as dimension:value[,value]');
  const colon = raw.indexOf(':');
  if (colon <= 0) throw new BadQueryError(`filter must look like dimension:value[,value], not '${raw}'`);
  const name = raw.slice(0, colon);
  if (name !== dimension) {
    throw new BadQueryError(
      `this metric can be filtered by ${dimension ? `'${dimension}'` : 'nothing'}, not '${name}'`,
    );
  }
  const values = raw.slice(colon + 1).split(',');
  if (values.length > MAX_VALUES) throw new BadQueryError(`filter takes at most ${MAX_VALUES} values`);
  return values;
}
