import type { CatalogDialect } from './catalog-dialect';
import { fillTemplate, sqlTemplate } from '../core/metric-catalog/sql-templates';

/** A catalog constant as a BigQuery literal (names from the catalog: letters, digits, '_'). */
function quote(text: string): string {
  if (!/^[\w .:$-]*$/.test(text)) throw new Error(`not a catalog constant: ${text}`);
  return `'${text}'`;
}

/**
 * The JSON text of `properties.<name>` ('null' when absent: the emulator types the result as JSON,
 * so the default must be JSON too): its first character says its type.
 */
const raw = (name: string) => `COALESCE(JSON_QUERY(properties, ${quote(`$.${name}`)}), 'null')`;

/**
 * BigQuery's dialect of the catalog. Types are read from the JSON text itself (a number starts
 * with '-' or a digit, a string with '"'), not from JSON_TYPE, whose names differ between BigQuery
 * and its emulator.
 */
export const BIGQUERY_DIALECT: CatalogDialect = {
  engine: 'bigquery',
  quote,
  minute: 'TIMESTAMP_TRUNC(event_time, MINUTE)',
  isNumber: (name) => `REGEXP_CONTAINS(${raw(name)}, r'^-?[0-9]')`,
  number: (name) => `CAST(JSON_VALUE(properties, ${quote(`$.${name}`)}) AS FLOAT64)`,
  dimText: (name) =>
    `CASE WHEN REGEXP_CONTAINS(${raw(name)}, r'^(-?[0-9]|")') THEN JSON_VALUE(properties, ${quote(`$.${name}`)}) ELSE '' END`,
  countColumns: 'COUNT(*) AS count, 0.0 AS sum',
  sumColumns: (expr) => `COUNT(*) AS count, SUM(${expr}) AS sum`,
  fromLineItems: `base, UNNEST(ARRAY(
      SELECT AS STRUCT
        JSON_VALUE(p, '$.product_id') AS product_id,
        IF(STARTS_WITH(COALESCE(JSON_QUERY(p, '$.category'), 'null'), '"'), JSON_VALUE(p, '$.category'), '') AS category,
        IF(REGEXP_CONTAINS(COALESCE(JSON_QUERY(p, '$.price'), 'null'), r'^-?[0-9]'), CAST(JSON_VALUE(p, '$.price') AS FLOAT64), 0) AS price,
        IF(REGEXP_CONTAINS(COALESCE(JSON_QUERY(p, '$.quantity'), 'null'), r'^-?[0-9]'), CAST(JSON_VALUE(p, '$.quantity') AS FLOAT64), 1) AS quantity
      FROM UNNEST(IF(STARTS_WITH(COALESCE(JSON_QUERY(properties, '$.products'), 'null'), '['),
                     JSON_QUERY_ARRAY(properties, '$.products'), [properties])) AS p
      WHERE STARTS_WITH(COALESCE(JSON_QUERY(p, '$.product_id'), 'null'), '"'))) AS item`,
  setup: [],
  get parts() {
    return {
      registers: fillTemplate(sqlTemplate('bigquery', 'hll_registers'), { actors: 'SELECT * FROM actors' }),
    };
  },
};
