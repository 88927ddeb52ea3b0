/**
 * DuckDB cannot bind a COPY target as a parameter, so file paths are quoted as literals here.
 * Only paths the platform built itself (config roots plus validated ids) reach this; user input
 * is always bound as a parameter instead.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('NUL byte in SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}
