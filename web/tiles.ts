import { escape, get, shortTime, sources, type MetricAnswer } from './api';
import { timeSeries } from './charts';
import { resolveRange, type TileRange } from './ranges';
import { drawSqlAnswer, sqlSources, type SqlAnswer } from './sql-answer';

/**
 * A saved query of the explorer (a catalog metric) or a saved insight, and how it is drawn
 * (GET /v1/dashboards/:id, `tiles`).
 */
export interface Tile {
  id?: string;
  title: string;
  metric?: string;
  insight?: string;
  /** A saved SQL query (GET /v1/queries). */
  query?: string;
  range: TileRange;
  granularity: 'minute' | 'hour' | 'day' | 'week' | 'month';
  groupBy?: string;
  filter?: string;
  chart: 'line' | 'bar' | 'number' | 'table';
}

/** The API request answering a tile, now. */
export function tileRequest(t: Tile, zone: string): string {
  const { from, to } = resolveRange(t.range, zone);
  const p = new URLSearchParams({ from, to, granularity: t.granularity });
  if (t.query)
    return `/v1/queries/${encodeURIComponent(t.query)}/answer?${new URLSearchParams({ from, to })}`;
  // An insight's buckets are days, weeks and months where the viewer is.
  if (t.insight)
    return `/v1/insights/${encodeURIComponent(t.insight)}/answer?${p}&tz=${encodeURIComponent(zone)}`;
  if (t.groupBy) p.set('groupBy', t.groupBy);
  if (t.filter) p.set('filter', t.filter);
  return `/v1/metrics/${encodeURIComponent(t.metric ?? '')}?${p}`;
}

/** Draws a tile's answer into `body`, and where it came from into `meta`. */
export async function drawTile(
  t: Tile,
  body: HTMLElement,
  meta: HTMLElement,
  zone: string,
): Promise<MetricAnswer | SqlAnswer> {
  if (t.query) {
    const sql = await get<SqlAnswer>(tileRequest(t, zone));
    const problem = drawSqlAnswer(sql, t.chart, body, zone);
    meta.textContent = `${tileName(t)}: ${sqlSources(sql, zone)}${problem ? ` (${problem})` : ''}`;
    return sql;
  }
  const answer = await get<MetricAnswer>(tileRequest(t, zone));
  // An insight's bucket with nothing measured (an average of no value) is null: not drawn.
  answer.buckets = answer.buckets.filter((b) => b.value !== null);
  const name = tileName(t);
  if (t.chart === 'number') {
    body.innerHTML = `<div class="big" data-testid="tile-value">${answer.value}</div>`;
  } else if (t.chart === 'table') {
    body.innerHTML = `<table data-testid="tile-table">${answer.buckets
      .map(
        (b) =>
          `<tr><td>${shortTime(b.start, zone)}</td><td>${escape(b.dim ?? '')}</td><td class="num">${b.value}</td><td>${b.source}</td></tr>`,
      )
      .join('')}</table>`;
  } else {
    body.innerHTML = '<div class="chart"></div>';
    const byDim = new Map<string, MetricAnswer['buckets']>();
    for (const b of answer.buckets) byDim.set(b.dim ?? name, [...(byDim.get(b.dim ?? name) ?? []), b]);
    timeSeries(
      body.firstElementChild as HTMLElement,
      [...byDim].map(([name, points]) => ({ name, points })),
      { kind: t.chart, zone, range: answer },
    );
  }
  meta.textContent = `${name}: ${answer.value}; ${sources(answer, zone)}${t.chart === 'line' || t.chart === 'bar' ? ' (speed part shaded)' : ''}`;
  return answer;
}

/** What a tile shows: its catalog metric, or its insight's or SQL query's id. */
export const tileName = (t: Tile) =>
  t.metric ?? (t.query !== undefined ? `SQL query ${t.query}` : `insight ${t.insight ?? ''}`);
