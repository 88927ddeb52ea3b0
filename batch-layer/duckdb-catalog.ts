import { METRIC_CATALOG, type MetricDefinition } from '../core/metrics/catalog';
import { quoteLiteral } from './sql-literal';

/**
 * The metric catalog compiled to DuckDB SQL, producing the same rows as the speed layer's
 * aggregation (speed-layer/aggregate.ts): minute buckets, counts and sums, HLL registers from
 * MD5. Only catalog constants (metric and property names) are written into the text; the lake
 * glob and the hour's bounds are bound parameters ($glob, $from, $to).
 */

/** The hour's events, each (project, messageId) once: the first copy in the log wins. */
const BASE = `base AS (
  SELECT * FROM read_parquet($glob)
  WHERE event_time >= $from AND event_time < $to
  QUALIFY row_number() OVER (PARTITION BY project_id, event_id ORDER BY received_at, kafka_topic, kafka_partition, kafka_offset) = 1
)`;

const path = (name: string) => quoteLiteral(`$.${name}`);
const isNumber = (name: string) => `json_type(properties, ${path(name)}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')`;
/** Strings and numbers as text, anything else as '' (what the speed layer does). */
const dimText = (name: string) =>
  `CASE WHEN json_type(properties, ${path(name)}) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
        THEN json_extract_string(properties, ${path(name)}) ELSE '' END`;
const eventFilter = (d: MetricDefinition) =>
  d.events === '*' ? 'TRUE' : `event IN (${d.events.map(quoteLiteral).join(', ')})`;
const minute = `date_trunc('minute', event_time)`;

function dimension(d: MetricDefinition): string {
  switch (d.dimension.from) {
    case 'none':
      return `''`;
    case 'event':
      return 'event';
    case 'property':
      return dimText(d.dimension.name);
    case 'line_item':
      return `coalesce(item.${d.dimension.name}, '')`;
  }
}

function measureSelect(d: MetricDefinition): string | undefined {
  const head = `SELECT project_id, ${minute} AS minute, ${quoteLiteral(d.name)} AS metric, ${dimension(d)} AS dim`;
  const m = d.measure;
  switch (m.kind) {
    case 'count':
      return `${head}, count(*)::UBIGINT AS count, 0::DOUBLE AS sum FROM base WHERE ${eventFilter(d)} GROUP BY ALL`;
    case 'sum':
      return `${head}, count(*)::UBIGINT AS count, sum(json_extract(properties, ${path(m.property)})::DOUBLE) AS sum
              FROM base WHERE ${eventFilter(d)} AND ${isNumber(m.property)} GROUP BY ALL`;
    case 'line_item_sum': {
      const value = m.value === 'quantity' ? 'item.quantity' : 'item.price * item.quantity';
      return `${head}, count(*)::UBIGINT AS count, sum(${value})::DOUBLE AS sum
              FROM base, LATERAL (SELECT * FROM line_items_of(properties)) AS item
              WHERE ${eventFilter(d)} GROUP BY ALL`;
    }
    case 'unique_actors':
      return undefined;
  }
}

/**
 * A purchase's products (core/metrics/catalog.ts lineItems): `products[]` when it is an array,
 * else the top-level product fields; price 0 and quantity 1 when absent or not numbers.
 */
const LINE_ITEMS_MACRO = `CREATE OR REPLACE TEMP MACRO line_items_of(props) AS TABLE
  SELECT product_id, category, price, quantity FROM (
    SELECT json_extract_string(p, '$.product_id') AS product_id,
           coalesce(CASE WHEN json_type(p, '$.category') = 'VARCHAR' THEN json_extract_string(p, '$.category') END, '') AS category,
           coalesce(CASE WHEN json_type(p, '$.price') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN json_extract(p, '$.price')::DOUBLE END, 0) AS price,
           coalesce(CASE WHEN json_type(p, '$.quantity') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN json_extract(p, '$.quantity')::DOUBLE END, 1) AS quantity
    FROM (
      SELECT unnest(json_extract(props, '$.products[*]')) AS p WHERE json_type(props, '$.products') = 'ARRAY'
      UNION ALL
      SELECT props AS p WHERE json_type(props, '$.products') IS DISTINCT FROM 'ARRAY'
    )
    WHERE json_type(p, '$.product_id') = 'VARCHAR'
  )`;

export const SETUP_STATEMENTS = [LINE_ITEMS_MACRO];

/** Every count/sum metric of the catalog, as one statement. */
export function measuresSql(): string {
  const parts = METRIC_CATALOG.map(measureSelect).filter((s): s is string => s !== undefined);
  return `WITH ${BASE}\n${parts.join('\nUNION ALL\n')}\nORDER BY project_id, metric, minute, dim`;
}

/**
 * HyperLogLog registers (core/sketches/hll.ts): h = first 8 bytes of MD5(actor), register = top 14
 * bits, rank = leading zeros of the other 50 bits + 1. floor(log2()) is corrected to exact.
 */
export function uniquesSql(): string {
  const parts = METRIC_CATALOG.filter((d) => d.measure.kind === 'unique_actors').map(
    (
      d,
    ) => `SELECT project_id, ${minute} AS minute, ${quoteLiteral(d.name)} AS metric, ${dimension(d)} AS dim, actor_id
            FROM base WHERE ${eventFilter(d)}`,
  );
  return `WITH ${BASE},
  actors AS (${parts.join('\nUNION ALL\n')}),
  hashed AS (SELECT *, ('0x' || substr(md5(actor_id), 1, 16))::UBIGINT AS h FROM actors),
  split AS (SELECT *, (h >> 50)::USMALLINT AS reg, h & 1125899906842623::UBIGINT AS rest FROM hashed),
  ranked AS (
    SELECT *, CASE WHEN rest = 0 THEN 51 ELSE 50 - (
      floor(log2(rest::DOUBLE))::INT
      + CASE WHEN (1::UBIGINT << (floor(log2(rest::DOUBLE))::INT + 1)) <= rest THEN 1 ELSE 0 END
      - CASE WHEN (1::UBIGINT << floor(log2(rest::DOUBLE))::INT) > rest THEN 1 ELSE 0 END
    ) END AS rank FROM split)
  SELECT project_id, minute, metric, dim, reg, max(rank)::UTINYINT AS rank FROM ranked
  GROUP BY ALL ORDER BY project_id, metric, minute, dim, reg`;
}
