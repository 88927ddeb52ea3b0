import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SQL_ROOT = resolve(__dirname, '..', 'sql');
const cache = new Map<string, string>();

/** Reads a statement from sql/<engine>/<name>.sql once; parameters stay placeholders to bind. */
export function sqlFile(engine: 'duckdb' | 'clickhouse', name: string): string {
  const key = `${engine}/${name}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(join(SQL_ROOT, engine, `${name}.sql`), 'utf8');
    cache.set(key, text);
  }
  return text;
}
