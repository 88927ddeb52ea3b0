import type { CatalogDialect } from './catalog-dialect';
import { compileCatalog } from './catalog-sql';
import { quoteLiteral } from './sql-literal';
import { fillTemplate, sqlTemplate } from '../core/metric-catalog/sql-templates';

const path = (name: string) => quoteLiteral(`$.${name}`);

/** DuckDB's dialect of the catalog: its JSON functions and types, its templates in sql/duckdb/. */
export const DUCKDB_DIALECT: CatalogDialect = {
  engine: 'duckdb',
  quote: quoteLiteral,
  minute: `date_trunc('minute', event_time)`,
  isNumber: (name) => `json_type(properties, ${path(name)}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')`,
  number: (name) => `json_extract(properties, ${path(name)})::DOUBLE`,
  dimText: (name) =>
    `CASE WHEN json_type(properties, ${path(name)}) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
        THEN json_extract_string(properties, ${path(name)}) ELSE '' END`,
  countColumns: 'count(*)::UBIGINT AS count, 0::DOUBLE AS sum',
  sumColumns: (expr) => `count(*)::UBIGINT AS count, sum(${expr})::DOUBLE AS sum`,
  fromLineItems: 'base, LATERAL (SELECT * FROM line_items_of(properties)) AS item',
  get setup() {
    return [sqlTemplate('duckdb', '001_line_items_macro')];
  },
  get parts() {
    return { registers: hllRegistersSql('SELECT * FROM actors') };
  },
};

/**
 * HyperLogLog registers (reg, rank) of the rows of `actors` (a query with an actor_id column,
 * compiled from constants: never request values), its other columns kept.
 */
export function hllRegistersSql(actors: string): string {
  return fillTemplate(sqlTemplate('duckdb', 'hll_registers'), { actors });
}

const compiled = () => compileCatalog(DUCKDB_DIALECT);

export const SETUP_STATEMENTS = DUCKDB_DIALECT.setup;

/** Every count/sum metric of the catalog, as one statement ($glob, $from, $to bound). */
export function measuresSql(): string {
  return compiled().measures;
}

/** HLL registers of every unique-count metric, as one statement ($glob, $from, $to bound). */
export function uniquesSql(): string {
  return compiled().uniques;
}
