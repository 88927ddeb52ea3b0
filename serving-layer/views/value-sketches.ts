import { BIGINT, DOUBLE, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import type { StoredPath } from '../../core/events/property-ref';
import { DD_LN_GAMMA } from '../../core/sketches/ddsketch';
import { eachInTurns } from '../../core/turns';
import { chTime, columnOf, duckTime, jsonPathOf, type RawSpan } from './raw-sql';
import type { RawSources } from './session-parts';

/** One bin of a bucket's (and group's) DDSketch as a layer's engine computed it. */
export type ValueBinRow = [bucket: number, group: string | null, sign: number, index: number, count: number];

/** What a percentile reads: buckets, the events, the numeric property, the group (raw JSON). */
export interface ValueSketchRequest {
  stepMs: number;
  /** Only events named here; all when absent. */
  events?: readonly string[] | undefined;
  /** The property measured: an event counts when its value there is a JSON number. */
  value: StoredPath;
  /** Split by this value (its raw JSON, null when absent). */
  group?: StoredPath | undefined;
}

/**
 * The DDSketch bins (core/sketches/ddsketch.ts) of a numeric property's values per bucket and
 * group, in each layer's part of the span, computed by the engine holding it: each event once (by
 * its id in the lake), a value when its raw JSON reads as a finite number (a string "12" does not),
 * the bin `ceil(ln|x| / ln γ)` of its sign with ln γ bound. Only bins cross into Node.
 */
export async function readValueSketches(
  src: RawSources,
  span: RawSpan,
  q: ValueSketchRequest,
): Promise<{ layer: 'lake' | 'speed'; rows: ValueBinRow[] }[]> {
  const { project, from, split, to } = span;
  const all = q.events === undefined;
  const events = [...(q.events ?? [])];
  const out: { layer: 'lake' | 'speed'; rows: ValueBinRow[] }[] = [];
  const row = (r: unknown[]): ValueBinRow => [
    Number(r[0]),
    r[1] === null || r[1] === undefined || r[1] === '' ? null : String(r[1]),
    Number(r[2]),
    Number(r[3]),
    Number(r[4]),
  ];
  if (split > from) {
    const group = q.group ? `any_value(json_extract(${columnOf(q.group)}, $g))::VARCHAR` : 'NULL';
    const rows: ValueBinRow[] = [];
    const lake = await src.lake.rows(
      `WITH ev AS (SELECT min(event_time) AS t, ${group} AS g,
                          TRY_CAST(any_value(json_extract(${columnOf(q.value)}, $v))::VARCHAR AS DOUBLE) AS x
                   FROM read_parquet($globs, union_by_name = true)
                   WHERE ($all OR list_contains($events, event)) AND event_time >= $from AND event_time < $to
                   GROUP BY event_id)
       SELECT (epoch_ms(t) // $step) * $step, g, sign(x)::INTEGER,
              CASE WHEN x = 0 THEN 0 ELSE ceil(ln(abs(x)) / $lng)::BIGINT END AS i, count(*)
       FROM ev WHERE isfinite(x) GROUP BY ALL`,
      await src.lakeGlobs(project, from, split),
      {
        all,
        events: listValue(events),
        v: jsonPathOf(q.value.path),
        ...(q.group ? { g: jsonPathOf(q.group.path) } : {}),
        lng: DD_LN_GAMMA,
        step: BigInt(q.stepMs),
        from: duckTime(from),
        to: duckTime(split),
      },
      { events: LIST(VARCHAR), v: VARCHAR, ...(q.group ? { g: VARCHAR } : {}), lng: DOUBLE, step: BIGINT },
    );
    await eachInTurns(lake, (r) => rows.push(row(r)));
    out.push({ layer: 'lake', rows });
  }
  if (to > split) {
    const keys = (p: StoredPath, name: string) => p.path.map((_, j) => `, {${name}${j}:String}`).join('');
    const group = q.group ? `JSONExtractRaw(${columnOf(q.group)}${keys(q.group, 'g')})` : `''`;
    const r = await src.clickhouse.query({
      query: `SELECT intDiv(toUnixTimestamp64Milli(event_time), {step:Int64}) * {step:Int64} AS bucket, g,
                     toInt32(sign(x)) AS s, if(x = 0, 0, toInt64(ceil(log(abs(x)) / {lng:Float64}))) AS i, count()
              FROM (SELECT event_time, ${group} AS g,
                           toFloat64OrNull(JSONExtractRaw(${columnOf(q.value)}${keys(q.value, 'v')})) AS x
                    FROM {db:Identifier}.speed_events
                    WHERE project_id = {project:String} AND ({all:Bool} OR event IN {events:Array(String)})
                      AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')})
              WHERE isFinite(x) GROUP BY bucket, g, s, i`,
      query_params: {
        db: src.database,
        project,
        all,
        events,
        step: q.stepMs,
        lng: DD_LN_GAMMA,
        from: chTime(split),
        to: chTime(to),
        ...Object.fromEntries(q.value.path.map((k, j) => [`v${j}`, k])),
        ...Object.fromEntries((q.group?.path ?? []).map((k, j) => [`g${j}`, k])),
      },
      format: 'JSONCompactEachRow',
    });
    const rows: ValueBinRow[] = [];
    await eachInTurns(await r.json<unknown[]>(), (x) => rows.push(row(x)));
    out.push({ layer: 'speed', rows });
  }
  return out;
}
