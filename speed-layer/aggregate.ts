import { actorId, type AnalyticsEvent } from '../core/events/event';
import { METRIC_CATALOG, type MetricDefinition } from '../core/metric-catalog/catalog';
import { contributions, dimValue } from '../core/metric-catalog/evaluate';
import { hllRegister } from '../core/sketches/hll';

export interface MeasureRow {
  project_id: string;
  /** Unix seconds of the minute's start. */
  minute: number;
  metric: string;
  dim: string;
  count: number;
  sum: number;
}

export interface UniqueRow {
  project_id: string;
  minute: number;
  metric: string;
  dim: string;
  reg: number;
  rank: number;
}

const SEP = '\u0000';
const byEvent = new Map<string, MetricDefinition[]>();
const forAll: MetricDefinition[] = [];
for (const d of METRIC_CATALOG) {
  if (d.events === '*') forAll.push(d);
  else for (const e of d.events) byEvent.set(e, [...(byEvent.get(e) ?? []), d]);
}

/**
 * Folds a batch of events into minute rows of every catalog metric, in JavaScript: the catalog's
 * definition that the engines' compiled SQL is held to (ClickHouse's materialized views in
 * test/speed/catalog-views.test.ts, DuckDB and BigQuery in the batch conformance tests), and what
 * tests seed views with. The speed layer no longer runs it: its views aggregate in ClickHouse.
 * Rows sorted, so equal inputs give equal outputs.
 */
export function aggregateBatch(events: AnalyticsEvent[]): { measures: MeasureRow[]; uniques: UniqueRow[] } {
  const measures = new Map<string, MeasureRow>();
  const uniques = new Map<string, UniqueRow>();
  const add = (
    project_id: string,
    minute: number,
    metric: string,
    dim: string,
    count: number,
    sum: number,
  ) => {
    const key = `${project_id}${SEP}${metric}${SEP}${minute}${SEP}${dim}`;
    const row = measures.get(key);
    if (row) {
      row.count += count;
      row.sum += sum;
    } else measures.set(key, { project_id, minute, metric, dim, count, sum });
  };
  // Actors repeat within a batch: hash each once.
  const registers = new Map<string, { reg: number; rank: number }>();
  const registerOf = (actor: string) => {
    let r = registers.get(actor);
    if (!r) registers.set(actor, (r = hllRegister(actor)));
    return r;
  };
  for (const e of events) {
    const minute = Math.floor(Date.parse(e.timestamp) / 60_000) * 60;
    const defs = byEvent.get(e.event);
    for (let i = 0; i < forAll.length + (defs?.length ?? 0); i++) {
      const d = (i < forAll.length ? forAll[i] : defs?.[i - forAll.length]) as MetricDefinition;
      const measure = d.measure;
      if (measure.kind === 'unique_actors') {
        const { reg, rank } = registerOf(actorId(e));
        const dim = dimValue(d, e);
        const key = `${e.projectId}${SEP}${d.name}${SEP}${minute}${SEP}${dim}${SEP}${reg}`;
        const row = uniques.get(key);
        if (!row) uniques.set(key, { project_id: e.projectId, minute, metric: d.name, dim, reg, rank });
        else if (row.rank < rank) row.rank = rank;
      } else for (const c of contributions(d, e)) add(e.projectId, minute, d.name, c.dim, c.count, c.sum);
    }
  }
  const sorted = <T>(m: Map<string, T>) =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  return { measures: sorted(measures), uniques: sorted(uniques) };
}
