import { localFiles } from '../files/local-files';
import { join, resolve } from 'node:path';

const SQL_DIR = resolve(__dirname, '..', '..', 'sql');
const cache = new Map<string, string>();

/** An engine's SQL template from sql/<engine>/<name>.sql, read once. */
export function sqlTemplate(engine: string, name: string): string {
  const key = `${engine}/${name}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = localFiles.readText(join(SQL_DIR, engine, `${name}.sql`)).trim();
    cache.set(key, text);
  }
  return text;
}

/**
 * Fills a template's `{{name}}` slots. Only SQL compiled from the catalog's constants goes in:
 * values from requests or the lake are bound parameters, never text.
 */
export function fillTemplate(template: string, parts: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const part = parts[name];
    if (part === undefined) throw new Error(`SQL template slot {{${name}}} has no value`);
    return part;
  });
}
