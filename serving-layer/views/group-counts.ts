import { BIGINT, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import type { StoredPath } from '../../core/events/property-ref';
import { eachInTurns } from '../../core/turns';
import { chTime, columnOf, duckTime, jsonPathOf, type RawSpan } from './raw-sql';
import type { RawSources } from './session-parts';

/** One count: [bucket start (epoch ms), raw group value, events, ...raw `also` values]. */
export type GroupCountRow = [number, string | null, number, ...(string | null)[]];

/** What a split or filtered count reads: buckets, the events, the group, the values a filter tests. */
export interface GroupCountRequest {
  stepMs: number;
  /** Only events named here; all when undefined. */
  events: string[] | undefined;
  group?: StoredPath | undefined;
  also?: readonly StoredPath[];
}

/**
 * The project's events in each layer's part of the span, each once, counted by the engine holding
 * it (DuckDB over the lake, ClickHouse over the speed view) per bucket, per value at `group` and
 * per combination of values at `also`, each its raw JSON (null when absent): a split or filtered
 * count without a row per event crossing into Node (the caller tests the `also` values, as a scan
 * would).
 */
export async function readGroupCounts(
  src: RawSources,
  span: RawSpan,
  q: GroupCountRequest,
): Promise<{ layer: 'lake' | 'speed'; rows: GroupCountRow[] }[]> {
  const { project, from, split, to } = span;
  const also = q.also ?? [];
  const out: { layer: 'lake' | 'speed'; rows: GroupCountRow[] }[] = [];
  if (split > from) {
    const values = [
      q.group ? `any_value(json_extract(${columnOf(q.group)}, $g))::VARCHAR AS g` : 'NULL::VARCHAR AS g',
      ...also.map((p, i) => `any_value(json_extract(${columnOf(p)}, $a${i}))::VARCHAR AS a${i}`),
    ].join(', ');
    const rows = await src.lake.rows(
      `WITH ev AS (SELECT min(event_time) AS t, ${values}
                   FROM read_parquet($globs, union_by_name = true)
                   WHERE ($all OR list_contains($events, event)) AND event_time >= $from AND event_time < $to
                   GROUP BY event_id)
       SELECT (epoch_ms(t) // $step) * $step, g, count(*)${also.map((_, i) => `, a${i}`).join('')} FROM ev GROUP BY ALL`,
      await src.lakeGlobs(project, from, split),
      {
        all: q.events === undefined,
        events: listValue(q.events ?? []),
        ...(q.group ? { g: jsonPathOf(q.group.path) } : {}),
        ...Object.fromEntries(also.map((p, i) => [`a${i}`, jsonPathOf(p.path)])),
        step: BigInt(q.stepMs),
        from: duckTime(from),
        to: duckTime(split),
      },
      {
        events: LIST(VARCHAR),
        ...(q.group ? { g: VARCHAR } : {}),
        ...Object.fromEntries(also.map((_, i) => [`a${i}`, VARCHAR])),
        step: BIGINT,
      },
    );
    out.push({ layer: 'lake', rows: rows.map(countRow) });
  }
  if (to > split) {
    const raw = (p: StoredPath, name: string) =>
      `JSONExtractRaw(${columnOf(p)}${p.path.map((_, j) => `, {${name}_${j}:String}`).join('')})`;
    const r = await src.clickhouse.query({
      query: `SELECT intDiv(toUnixTimestamp64Milli(event_time), {step:Int64}) * {step:Int64} AS bucket,
                     ${q.group ? raw(q.group, 'g') : "''"} AS g, count()${also.map((p, i) => `, ${raw(p, `a${i}`)} AS a${i}`).join('')}
              FROM {db:Identifier}.speed_events
              WHERE project_id = {project:String} AND ({all:Bool} OR event IN {events:Array(String)})
                AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
              GROUP BY bucket, g${also.map((_, i) => `, a${i}`).join('')}`,
      query_params: {
        db: src.database,
        project,
        all: q.events === undefined,
        events: q.events ?? [],
        step: q.stepMs,
        from: chTime(split),
        to: chTime(to),
        ...Object.fromEntries((q.group?.path ?? []).map((k, j) => [`g_${j}`, k])),
        ...Object.fromEntries(also.flatMap((p, i) => p.path.map((k, j) => [`a${i}_${j}`, k]))),
      },
      format: 'JSONCompactEachRow',
    });
    const rows: GroupCountRow[] = [];
    await eachInTurns(await r.json<unknown[]>(), (x) => rows.push(countRow(x)));
    out.push({ layer: 'speed', rows });
  }
  return out;
}

/** A count row as both engines give it; ClickHouse's JSONExtractRaw says '' where DuckDB says null. */
function countRow(r: unknown[]): GroupCountRow {
  const text = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));
  return [Number(r[0]), text(r[1]), Number(r[2]), ...r.slice(3).map(text)];
}
