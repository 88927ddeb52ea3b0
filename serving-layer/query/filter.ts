import { EVENT_DIMENSION_NAMES, isEventDimension, type EventDimension } from '../../core/events/dimensions';
import { EventFilterSchema, type EventFilter } from '../../core/events/event-filter';
import { BadQueryError } from './errors';

const MAX_VALUES = 100;

/** What a filter keeps: values of the metric's own dimension, and values of event dimensions. */
export interface ParsedFilter {
  dims?: string[];
  where?: [EventDimension, string[]][];
}

/**
 * Parses `?filter=<dimension>:<value>[,<value>...][;<dimension>:...]` (e.g.
 * `filter=content_id:c-1,c-2` or `filter=country:FR,DE;device_type:mobile`): the answer keeps
 * only events with one of the values of each dimension named. A dimension is the metric's own or
 * an event dimension (country, device_type, utm_source...). The values are bound as parameters.
 */
export function parseFilter(raw: unknown, dimension: string | undefined): ParsedFilter {
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'string')
    throw new BadQueryError('filter must be given once, as dimension:value[,value][;dimension:value...]');
  const out: ParsedFilter = {};
  const seen = new Set<string>();
  for (const clause of raw.split(';')) {
    const colon = clause.indexOf(':');
    if (colon <= 0)
      throw new BadQueryError(
        `filter must look like dimension:value[,value][;dimension:value...], not '${raw}'`,
      );
    const name = clause.slice(0, colon);
    if (seen.has(name))
      throw new BadQueryError(`filter names '${name}' twice: list its values once, comma-separated`);
    seen.add(name);
    const values = clause.slice(colon + 1).split(',');
    if (values.length > MAX_VALUES)
      throw new BadQueryError(`filter takes at most ${MAX_VALUES} values per dimension`);
    if (name === dimension) out.dims = values;
    else if (isEventDimension(name)) (out.where ??= []).push([name, values]);
    else
      throw new BadQueryError(
        `this answer can be filtered by ${[...(dimension ? [dimension] : []), ...EVENT_DIMENSION_NAMES].map((d) => `'${d}'`).join(', ')}, not '${name}'`,
      );
  }
  return out;
}

/**
 * Parses `?filters=<JSON>` (core/events/event-filter.ts): a tree of conditions on event
 * dimensions, event properties and person traits. A 400 says where it is wrong.
 */
export function parseEventFilter(raw: string | undefined): EventFilter | undefined {
  if (raw === undefined || raw === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new BadQueryError(
      'filters must be JSON, e.g. {"property":"person.plan","op":"equals","value":"pro"}',
    );
  }
  const r = EventFilterSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new BadQueryError(`filters${at}: ${issue?.message ?? 'not a filter'}`);
}
