import { escape, shortTime, sources, type Bucket } from './api';
import { timeSeries } from './charts';

/** The JSON answer of POST /v1/sql and GET /v1/queries/:id/answer. */
export interface SqlAnswer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  rowCount: number;
  range: { from: string; to: string };
  parts: { source: string; from: string; to: string }[];
  watermark: string | null;
}

export type SqlChart = 'table' | 'number' | 'line' | 'bar';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const cell = (v: unknown) => (v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** The answer as a table: a header of column names, a row per result row (the first 1,000). */
export function sqlTable(a: SqlAnswer, zone: string): string {
  const shown = a.rows.slice(0, 1000);
  return `<table data-testid="sql-table"><thead><tr>${a.columns
    .map((c) => `<th title="${escape(c.type)}">${escape(c.name)}</th>`)
    .join('')}</tr></thead><tbody>${shown
    .map(
      (r) =>
        `<tr>${r
          .map((v) =>
            typeof v === 'number'
              ? `<td class="num">${v}</td>`
              : `<td>${escape(typeof v === 'string' && ISO.test(v) ? shortTime(v, zone) : cell(v))}</td>`,
          )
          .join('')}</tr>`,
    )
    .join(
      '',
    )}</tbody></table>${a.rows.length > shown.length ? `<p class="meta">first ${shown.length} of ${a.rowCount} rows: download for all</p>` : ''}`;
}

/**
 * Draws the answer as asked: a table; the first cell as a number; or, when the first column is a
 * time, each numeric column as a series over it. Returns what it could not draw, if anything.
 */
export function drawSqlAnswer(
  a: SqlAnswer,
  chart: SqlChart,
  body: HTMLElement,
  zone: string,
): string | undefined {
  if (chart === 'number') {
    body.innerHTML = `<div class="big" data-testid="tile-value">${escape(cell(a.rows[0]?.[0] ?? null))}</div>`;
    return undefined;
  }
  const times = a.rows.length > 0 && a.rows.every((r) => typeof r[0] === 'string' && ISO.test(r[0]));
  if (chart === 'table' || !times) {
    body.innerHTML = sqlTable(a, zone);
    return chart === 'table' ? undefined : 'a chart needs a time as the first column: shown as a table';
  }
  body.innerHTML = '<div class="chart" data-testid="sql-chart"></div>';
  const numeric = a.columns
    .map((c, i) => ({ name: c.name, i }))
    .filter(({ i }) => i > 0 && a.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const speedFrom = a.parts.find((p) => p.source !== 'batch')?.from;
  timeSeries(
    body.firstElementChild as HTMLElement,
    numeric.map(({ name, i }) => ({
      name,
      points: a.rows.map((r): Bucket => ({
        start: r[0] as string,
        value: Number(r[i]),
        source: speedFrom !== undefined && (r[0] as string) >= speedFrom ? 'speed' : 'batch',
      })),
    })),
    { kind: chart, zone, range: a.range },
  );
  return undefined;
}

/** Where the answer's range came from, in the user's zone. */
export const sqlSources = (a: SqlAnswer, zone: string) => `${a.rowCount} rows; ${sources(a, zone)}`;
