import { Bool, Float64, Utf8 } from 'apache-arrow';
import type { ArrowColumn } from './arrow-batches';

/** Arrays of an answer that say where it came from, never its table. */
const ABOUT = new Set(['parts', 'pendingRepair', 'segments', 'refused', 'warnings']);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON answer of an analytics route as one table, for Arrow and Parquet: its largest array of
 * objects (a metric's buckets, a funnel's steps, a retention's cohorts...), one column per key in
 * the order first met; numbers as float64, booleans as bool, text as utf8, anything else as its
 * JSON text. The rest of the answer (range, parts, watermark, freshness) rides along whole as
 * JSON in the schema's metadata (`lambda.answer`), with the table's key (`lambda.table`).
 * An answer without such an array is one row of its scalar fields.
 */
export function answerTable(answer: Record<string, unknown>): {
  columns: ArrowColumn[];
  rows: unknown[][];
  metadata: Record<string, string>;
} {
  let table: string | undefined;
  for (const [k, v] of Object.entries(answer)) {
    if (ABOUT.has(k) || !Array.isArray(v) || !v.every(isRecord)) continue;
    const best = table === undefined ? undefined : (answer[table] as unknown[]);
    if (!best || v.length > best.length) table = k;
  }
  const records: Record<string, unknown>[] =
    table !== undefined
      ? (answer[table] as Record<string, unknown>[])
      : [Object.fromEntries(Object.entries(answer).filter(([, v]) => !isRecord(v) && !Array.isArray(v)))];
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
  const columns = names.map((name) => ({ name, type: typeOf(records.map((r) => r[name])) }));
  const rows = records.map((r) =>
    names.map((n, i) => {
      const v = r[n];
      if (v === undefined || v === null) return null;
      return columns[i]!.type instanceof Utf8 && typeof v !== 'string' ? JSON.stringify(v) : v;
    }),
  );
  const rest =
    table === undefined ? {} : Object.fromEntries(Object.entries(answer).filter(([k]) => k !== table));
  return {
    columns,
    rows,
    metadata: { 'lambda.answer': JSON.stringify(rest), ...(table ? { 'lambda.table': table } : {}) },
  };
}

function typeOf(values: unknown[]): ArrowColumn['type'] {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'number')) return new Float64();
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return new Bool();
  return new Utf8();
}
