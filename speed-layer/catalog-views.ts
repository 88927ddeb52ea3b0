import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRIC_CATALOG, type MetricDefinition } from '../core/metric-catalog/catalog';
import { fillTemplate, sqlTemplate } from '../core/metric-catalog/sql-templates';
import { HLL_RANK, HLL_REG, HLL_SMEAR } from '../core/clickhouse/hll-rank';

/**
 * The metric catalog compiled to ClickHouse: the speed view's minute aggregates and HyperLogLog
 * registers, maintained by materialized views on `speed_events` (the consumer inserts raw rows
 * only). The rows equal speed-layer/aggregate.ts's for the same events (test/speed/catalog-views.test.ts),
 * the definition the batch engines' conformance tests hold DuckDB and BigQuery to.
 *
 * Unlike the batch dialects (batch-layer/catalog-sql.ts), whose SQL is a UNION ALL of one SELECT
 * per metric, this is one SELECT whose rows fan out to their metrics by ARRAY JOIN: a
 * materialized view's query sees the inserted block through its one source table, where a UNION
 * would read the whole table in every branch but the first.
 */

/** A catalog constant as a ClickHouse literal (names from the catalog: letters, digits, '_'). */
function quote(text: string): string {
  if (!/^[\w .:$-]*$/.test(text)) throw new Error(`not a catalog constant: ${text}`);
  return `'${text}'`;
}

/*
 * A materialized view's query is planned again for every insert, so its cost is paid per block:
 * the compiled SQL reads each property a row needs once, as raw JSON text (the first level),
 * types it once (the second), and fans out by one multiIf on the event name (the outer query),
 * rather than repeat the JSON calls in every metric that uses a property.
 */

/** Whether raw JSON text is a number (its first character is '-' or a digit). */
const isNumberText = (r: string) => `(${r} != '' AND position('-0123456789', substring(${r}, 1, 1)) > 0)`;

/**
 * A number as JavaScript's String() writes it: ClickHouse's shortest round-trip text, with '+' in
 * a positive exponent (1e+21).
 */
const jsNumberText = (x: string) => `replaceOne(replaceOne(toString(${x}), 'e', 'e+'), 'e+-', 'e-')`;

/**
 * A row's line items (catalog.ts lineItems) as tuples (product_id, category, price, quantity):
 * `products[]` when it is an array, else the top-level product fields.
 */
const LINE_ITEMS = `arrayMap(p -> (JSONExtractString(p, 'product_id'),
                          if(JSONType(p, 'category') = 'String', JSONExtractString(p, 'category'), ''),
                          if(${isNumberText(`JSONExtractRaw(p, 'price')`)}, JSONExtractFloat(p, 'price'), 0.),
                          if(${isNumberText(`JSONExtractRaw(p, 'quantity')`)}, JSONExtractFloat(p, 'quantity'), 1.)),
                 arrayFilter(p -> JSONType(p, 'product_id') = 'String',
                             if(JSONType(properties, 'products') = 'Array',
                                JSONExtractArrayRaw(properties, 'products'), [properties])))`;

const MEASURE = 'Tuple(String, String, Float64)';
const UNIQUE = 'Tuple(String, String)';

/** `event = 'a' OR event = 'b'` (no IN: a set is built while planning, per insert). */
const eventIs = (events: readonly string[]) => `(${events.map((e) => `event = ${quote(e)}`).join(' OR ')})`;

/**
 * The columns a set of metrics reads, named by position: `r<i>` a property's raw JSON text (only
 * for the events that read it, else ''), then `d<i>` its dimension text, `n<i>` its number (nan
 * when not one), and `items` the line items.
 */
class Reads {
  private readonly props = new Map<string, { i: number; events: Set<string> | '*' }>();
  dims = new Set<number>();
  numbers = new Set<number>();
  items: Set<string> | '*' | undefined;

  private raw(name: string, events: readonly string[] | '*'): number {
    let p = this.props.get(name);
    if (!p) this.props.set(name, (p = { i: this.props.size, events: new Set() }));
    if (events === '*') p.events = '*';
    else if (p.events !== '*') for (const e of events) p.events.add(e);
    return p.i;
  }
  dim(name: string, events: readonly string[] | '*'): string {
    const i = this.raw(name, events);
    this.dims.add(i);
    return `d${i}`;
  }
  number(name: string, events: readonly string[] | '*'): string {
    const i = this.raw(name, events);
    this.numbers.add(i);
    return `n${i}`;
  }
  lineItems(events: readonly string[] | '*'): string {
    if (events === '*' || this.items === '*') this.items = '*';
    else {
      const items = this.items ?? new Set<string>();
      for (const e of events) items.add(e);
      this.items = items;
    }
    return 'items';
  }
  /** The first level's columns (after project_id, event_time, event, actor_id, properties). */
  rawColumns(): string {
    return [...this.props]
      .map(([name, p]) => {
        const read = `JSONExtractRaw(properties, ${quote(name)})`;
        return `, ${p.events === '*' ? read : `if(${eventIs([...p.events])}, ${read}, '')`} AS r${p.i}`;
      })
      .join('\n');
  }
  /** The second level's columns. */
  typedColumns(): string {
    const cols: string[] = [];
    for (const i of this.dims)
      cols.push(`, multiIf(startsWith(r${i}, '"'), JSONExtractString(r${i}),
                         ${isNumberText(`r${i}`)}, ${jsNumberText(`toFloat64OrZero(r${i})`)}, '') AS d${i}`);
    for (const i of this.numbers)
      cols.push(`, if(${isNumberText(`r${i}`)}, toFloat64OrZero(r${i}), nan) AS n${i}`);
    if (this.items !== undefined) {
      const items = this.items === '*' ? LINE_ITEMS : `if(${eventIs([...this.items])}, ${LINE_ITEMS}, [])`;
      cols.push(`, ${items} AS items`);
    }
    return cols.join('\n');
  }
}

function dimension(m: MetricDefinition, reads: Reads): string {
  switch (m.dimension.from) {
    case 'none':
    case 'line_item':
      return `''`;
    case 'event':
      return 'toString(event)';
    case 'property':
      return reads.dim(m.dimension.name, m.events);
  }
}

const NO_MEASURE = `CAST([], 'Array(${MEASURE})')`;
const NO_UNIQUE = `CAST([], 'Array(${UNIQUE})')`;

/** What a row of a contributing event adds to a metric, as an array of (metric, dim, sum). */
function contribution(m: MetricDefinition, reads: Reads): string | undefined {
  const name = quote(m.name);
  const k = m.measure;
  switch (k.kind) {
    case 'count':
      return `[(${name}, ${dimension(m, reads)}, 0.)]`;
    case 'sum': {
      const v = reads.number(k.property, m.events);
      return `if(isFinite(${v}), [(${name}, ${dimension(m, reads)}, ${v})], ${NO_MEASURE})`;
    }
    case 'line_item_sum': {
      if (m.dimension.from !== 'line_item') return undefined;
      const dim = m.dimension.name === 'product_id' ? 'tupleElement(i, 1)' : 'tupleElement(i, 2)';
      const value = k.value === 'quantity' ? 'tupleElement(i, 4)' : 'tupleElement(i, 3) * tupleElement(i, 4)';
      return `arrayMap(i -> (${name}, ${dim}, ${value}), ${reads.lineItems(m.events)})`;
    }
    case 'unique_actors':
      return undefined;
  }
}

/** A unique-count metric's (metric, dim) for a row of a contributing event. */
function actor(m: MetricDefinition, reads: Reads): string | undefined {
  return m.measure.kind === 'unique_actors' ? `[(${quote(m.name)}, ${dimension(m, reads)})]` : undefined;
}

/**
 * Every metric's contributions of a row, as one array: those of every event, then those of the
 * row's event name, chosen by one multiIf (a row computes only its own event's metrics).
 */
function fanOut(
  piece: (m: MetricDefinition, reads: Reads) => string | undefined,
  none: string,
  reads: Reads,
) {
  const concat = (parts: string[]) =>
    parts.length === 0
      ? none
      : parts.length === 1
        ? (parts[0] as string)
        : `arrayConcat(${parts.join(',\n')})`;
  const all: string[] = [];
  const byEvent = new Map<string, string[]>();
  for (const m of METRIC_CATALOG) {
    const p = piece(m, reads);
    if (p === undefined) continue;
    if (m.events === '*') all.push(p);
    else for (const e of m.events) byEvent.set(e, [...(byEvent.get(e) ?? []), p]);
  }
  const branches = [...byEvent].map(([e, parts]) => `event = ${quote(e)}, ${concat(parts)}`);
  const named = branches.length === 0 ? none : `multiIf(${branches.join(',\n')},\n${none})`;
  return concat([...all, named]);
}

/** One aggregate query: its template filled with the fan-out and the columns it reads. */
function compile(
  template: string,
  source: string,
  where: string,
  fan: (reads: Reads) => string,
  parts: Record<string, string> = {},
): string {
  const reads = new Reads();
  const fanned = fan(reads);
  return fillTemplate(sqlTemplate('clickhouse', template), {
    ...parts,
    source,
    where,
    fan: fanned,
    raws: reads.rawColumns(),
    typed: reads.typedColumns(),
  });
}

/** The two aggregate queries over `source` (a table), narrowed by `where` ('' or a WHERE clause). */
export function catalogQueries(source: string, where = ''): { measures: string; uniques: string } {
  return {
    measures: compile('catalog_measures', source, where, (r) => fanOut(contribution, NO_MEASURE, r)),
    uniques: compile('catalog_uniques', source, where, (r) => fanOut(actor, NO_UNIQUE, r), {
      reg: HLL_REG,
      rank: HLL_RANK,
      smear: HLL_SMEAR,
    }),
  };
}

/** The materialized views, by name, with the table each writes. */
const VIEWS = [
  { name: 'speed_measures_mv', to: 'speed_measures_minute', query: 'measures' },
  { name: 'speed_uniques_mv', to: 'speed_uniques_minute', query: 'uniques' },
] as const;

/**
 * Creates the catalog's materialized views, or brings them to the current catalog: each view's
 * comment holds the hash of its query, and a different one is replaced in place (MODIFY QUERY,
 * one step: no insert sees no view or two). `database` is a plain identifier, checked when the
 * configuration is loaded.
 */
export async function applyCatalogViews(client: ClickHouseClient, database: string): Promise<void> {
  const queries = catalogQueries(`${database}.speed_events`);
  for (const v of VIEWS) {
    const query = queries[v.query];
    const version = `catalog ${createHash('sha256').update(query).digest('hex').slice(0, 16)}`;
    const found = await client.query({
      query: `SELECT comment FROM system.tables WHERE database = {db:String} AND name = {name:String}`,
      query_params: { db: database, name: v.name },
      format: 'JSONEachRow',
    });
    const rows = await found.json<{ comment: string }>();
    if (rows.length === 0) {
      await client.command({
        query: `CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.${v.name} TO ${database}.${v.to}
                AS ${query} COMMENT ${quote(version)}`,
      });
    } else if (rows[0]?.comment !== version) {
      await client.command({ query: `ALTER TABLE ${database}.${v.name} MODIFY QUERY ${query}` });
      await client.command({ query: `ALTER TABLE ${database}.${v.name} MODIFY COMMENT ${quote(version)}` });
    }
  }
}
