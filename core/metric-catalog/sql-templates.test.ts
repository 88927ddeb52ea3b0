import { describe, expect, it } from 'vitest';
import { fillTemplate, sqlTemplate } from './sql-templates';

describe('SQL templates', () => {
  it('fills every slot, and refuses a slot left without a value', () => {
    expect(fillTemplate('SELECT {{a}} FROM {{b}}', { a: 'x', b: 'y' })).toBe('SELECT x FROM y');
    expect(() => fillTemplate('SELECT {{a}}', {})).toThrow(/\{\{a\}\} has no value/);
  });

  it('reads the engine templates from sql/<engine>/', () => {
    expect(sqlTemplate('duckdb', 'hour_base')).toMatch(/read_parquet\(\$glob, union_by_name = true\)/);
    // Slot names appear only where a value goes, never in comments (a filled comment breaks the SQL).
    for (const name of ['hour_measures', 'hour_uniques'])
      for (const line of sqlTemplate('duckdb', name).split('\n'))
        if (line.trimStart().startsWith('--')) expect(line).not.toMatch(/\{\{/);
  });
});
