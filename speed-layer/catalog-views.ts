import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRIC_CATALOG, type MetricDefinition } from '../core/metric-catalog/catalog';
import { fillTemplate, sqlTemplate } from '../core/metric-catalog/sql-templates';

/**
 * The metric catalog compiled to ClickHouse: the speed view's minute aggregates and HyperLogLog
 * registers, maintained by materialized views on `speed_events` (the consumer inserts raw rows
 * only). The rows equal speed-layer/aggregate.ts's for the same events, and the batch engines'
 * (test/speed/catalog-views.test.ts holds all three to it).
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

const NUMBER_TYPES = `('Int64', 'UInt64', 'Double')`;
const isNumber = (json: string, name: string) => `JSONType(${json}, ${quote(name)}) IN ${NUMBER_TYPES}`;
const number = (json: string, name: string) => `JSONExtractFloat(${json}, ${quote(name)})`;

/**
 * A JSON number as JavaScript's String() writes it: ClickHouse's shortest round-trip text, with
 * '+' in a positive exponent (1e+21) and -0 as 0.
 */
const jsNumberText = (x: string) => `replaceRegexpOne(toString(${x} + 0.), 'e([0-9])', 'e+\\\\1')`;

/** `properties.<name>` as text when it is a string or a number, else '' (aggregate.ts's dimValue). */
const dimText = (name: string) =>
  `multiIf(JSONType(properties, ${quote(name)}) = 'String', JSONExtractString(properties, ${quote(name)}),
           ${isNumber('properties', name)}, ${jsNumberText(number('properties', name))}, '')`;

/**
 * A row's line items (catalog.ts lineItems) as tuples (product_id, category, price, quantity):
 * `products[]` when it is an array, else the top-level product fields.
 */
const LINE_ITEMS = `arrayMap(p -> (JSONExtractString(p, 'product_id'),
                          if(JSONType(p, 'category') = 'String', JSONExtractString(p, 'category'), ''),
                          if(${isNumber('p', 'price')}, ${number('p', 'price')}, 0.),
                          if(${isNumber('p', 'quantity')}, ${number('p', 'quantity')}, 1.)),
                 arrayFilter(p -> JSONType(p, 'product_id') = 'String',
                             if(JSONType(properties, 'products') = 'Array',
                                JSONExtractArrayRaw(properties, 'products'), [properties])))`;

const MEASURE = 'Tuple(String, String, Float64)';
const UNIQUE = 'Tuple(String, String)';

function eventFilter(m: MetricDefinition): string {
  return m.events === '*' ? '1' : `event IN (${m.events.map(quote).join(', ')})`;
}

function dimension(m: MetricDefinition): string {
  switch (m.dimension.from) {
    case 'none':
    case 'line_item':
      return `''`;
    case 'event':
      return 'toString(event)';
    case 'property':
      return dimText(m.dimension.name);
  }
}

/** What one row adds to a metric, as an array of (metric, dim, sum); empty when nothing. */
function contribution(m: MetricDefinition): string | undefined {
  const none = `CAST([], 'Array(${MEASURE})')`;
  const name = quote(m.name);
  const k = m.measure;
  switch (k.kind) {
    case 'count':
      return `if(${eventFilter(m)}, [(${name}, ${dimension(m)}, 0.)], ${none})`;
    case 'sum': {
      const v = number('properties', k.property);
      return `if(${eventFilter(m)} AND ${isNumber('properties', k.property)} AND isFinite(${v}),
                 [(${name}, ${dimension(m)}, ${v})], ${none})`;
    }
    case 'line_item_sum': {
      if (m.dimension.from !== 'line_item') return undefined;
      const dim = m.dimension.name === 'product_id' ? 'tupleElement(i, 1)' : 'tupleElement(i, 2)';
      const value = k.value === 'quantity' ? 'tupleElement(i, 4)' : 'tupleElement(i, 3) * tupleElement(i, 4)';
      return `if(${eventFilter(m)}, arrayMap(i -> (${name}, ${dim}, ${value}), ${LINE_ITEMS}), ${none})`;
    }
    case 'unique_actors':
      return undefined;
  }
}

/** The two aggregate queries over `source` (a table), narrowed by `where` ('' or a WHERE clause). */
export function catalogQueries(source: string, where = ''): { measures: string; uniques: string } {
  const contributions = METRIC_CATALOG.map(contribution).filter((c): c is string => c !== undefined);
  const actors = METRIC_CATALOG.filter((m) => m.measure.kind === 'unique_actors').map(
    (m) => `if(${eventFilter(m)}, [(${quote(m.name)}, ${dimension(m)})], CAST([], 'Array(${UNIQUE})'))`,
  );
  return {
    measures: fillTemplate(sqlTemplate('clickhouse', 'catalog_measures'), {
      source,
      where,
      contributions: contributions.join(',\n'),
    }),
    uniques: fillTemplate(sqlTemplate('clickhouse', 'catalog_uniques'), {
      source,
      where,
      actors: actors.join(',\n'),
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
