/**
 * What an engine supplies for the metric catalog to be compiled to its SQL (catalog-sql.ts): the
 * expressions that differ between engines, and its templates (sql/<engine>/). A second batch
 * engine is a dialect plus an implementation of BatchEngine (engine.ts), checked by the same
 * parity tests against the speed layer's aggregation.
 */
export interface CatalogDialect {
  /** Names the folder of its templates: sql/<engine>/. */
  engine: string;
  /** A string literal. */
  quote(text: string): string;
  /** The event's minute (UTC) from `event_time`. */
  minute: string;
  /** Whether `properties.<name>` is a JSON number. */
  isNumber(name: string): string;
  /** `properties.<name>` as a double (when it is a number). */
  number(name: string): string;
  /** `properties.<name>` as text when it is a string or a number, else '' (as the speed layer does). */
  dimText(name: string): string;
  /** The count and sum columns of a count metric, typed as the view's. */
  countColumns: string;
  /** The count and sum columns of a sum metric over `expr`. */
  sumColumns(expr: string): string;
  /** FROM clause giving each row its purchase line items as `item` (product_id, category, price, quantity). */
  fromLineItems: string;
  /** Statements run before the catalog's (macros, functions). */
  setup: string[];
  /** Further slots its templates fill (pieces shared between templates), if any. */
  parts?: Record<string, string>;
}
