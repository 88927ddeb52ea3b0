import type { ClickHouseClient } from '@clickhouse/client';
import { BIGINT, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { NOT_ACTIVITY } from '../../core/events/sessions';
import type { LakeQueries } from '../../core/lake/duckdb-access';
import { eachInTurns } from '../../core/turns';
import { chTime, duckTime, jsonList, jsonPathOf, type RawSpan } from './raw-sql';

/** A session as one layer's engine cut it (readSessionParts); paths and values as raw JSON. */
export interface SessionPart {
  actor: string;
  start: number;
  end: number;
  events: number;
  pages: number;
  entryPath: string | null;
  exitPath: string | null;
  dims: (string | null)[];
}

/** Where the raw events are: the lake's DuckDB and its hour folders, the speed view's ClickHouse. */
export interface RawSources {
  lake: LakeQueries;
  lakeGlobs(project: string, from: Date, to: Date): Promise<string[]>;
  clickhouse: ClickHouseClient;
  database: string;
}

/**
 * The project's sessions in each layer's part of the span, cut by the engine that holds it: a
 * person's activity (not identify, alias or group calls) with no gap longer than `timeoutMs`,
 * each with its first and last time, events, page (and screen) views, first and last page's
 * `path`, and its first event's values at the context paths given. Only sessions cross into
 * Node, not events; a session that spans the split comes back in two parts (query/sessions.ts joins them).
 */
export async function readSessionParts(
  src: RawSources,
  span: RawSpan,
  q: {
    timeoutMs: number;
    context: readonly (readonly string[])[];
    /** Ids that belong to a person named otherwise (IdentityGraph.joined): sessions are a person's. */
    persons: { ids: string[]; persons: string[] };
  },
): Promise<{ layer: 'lake' | 'speed'; rows: SessionPart[] }[]> {
  const { project, from, split, to } = span;
  const { timeoutMs, context, persons } = q;
  const out: { layer: 'lake' | 'speed'; rows: SessionPart[] }[] = [];
  const part = (r: unknown[]): SessionPart => ({
    actor: String(r[0]),
    start: Number(r[1]),
    end: Number(r[2]),
    events: Number(r[3]),
    pages: Number(r[4]),
    entryPath: r[5] === null || r[5] === undefined ? null : String(r[5]),
    exitPath: r[6] === null || r[6] === undefined ? null : String(r[6]),
    dims: r.slice(7).map((v) => (v === null || v === undefined ? null : String(v))),
  });
  const PAGE = `event IN ('page', 'screen')`;
  const CH_PAGE = `name IN ('page', 'screen')`;
  if (split > from) {
    const dims = context
      .map((_, i) => `, any_value(json_extract(context, $c${i}))::VARCHAR AS d${i}`)
      .join('');
    const firsts = context.map((_, i) => `, first(d${i} ORDER BY t, event_id)`).join('');
    const rows: SessionPart[] = [];
    const lake = await src.lake.rows(
      `WITH ev AS (SELECT event_id, any_value(actor_id) AS actor, min(event_time) AS t, any_value(event) AS event,
                          any_value(json_extract(properties, '$.path'))::VARCHAR AS path${dims}
                   FROM read_parquet($globs, union_by_name = true)
                   WHERE event_time >= $from AND event_time < $to AND NOT list_contains($inactive, event)
                   GROUP BY event_id),
            joined AS (SELECT unnest(from_json($ids, '["VARCHAR"]')) AS id,
                              unnest(from_json($persons, '["VARCHAR"]')) AS person),
            pe AS (SELECT ev.* REPLACE (coalesce(joined.person, ev.actor) AS actor) FROM ev LEFT JOIN joined ON joined.id = ev.actor),
            s AS (SELECT *, CASE WHEN epoch_ms(t) - epoch_ms(lag(t) OVER (PARTITION BY actor ORDER BY t, event_id)) <= $timeout
                                 THEN 0 ELSE 1 END AS starts FROM pe),
            n AS (SELECT *, sum(starts) OVER (PARTITION BY actor ORDER BY t, event_id ROWS UNBOUNDED PRECEDING) AS sid FROM s)
       SELECT actor, epoch_ms(min(t)), epoch_ms(max(t)), count(*), count(*) FILTER (WHERE ${PAGE}),
              first(path ORDER BY t, event_id) FILTER (WHERE ${PAGE}), last(path ORDER BY t, event_id) FILTER (WHERE ${PAGE})${firsts}
       FROM n GROUP BY actor, sid`,
      await src.lakeGlobs(project, from, split),
      {
        from: duckTime(from),
        to: duckTime(split),
        timeout: timeoutMs,
        inactive: listValue([...NOT_ACTIVITY]),
        ids: jsonList(persons.ids),
        persons: jsonList(persons.persons),
        ...Object.fromEntries(context.map((c, i) => [`c${i}`, jsonPathOf(c)])),
      },
      {
        timeout: BIGINT,
        inactive: LIST(VARCHAR),
        ids: VARCHAR,
        persons: VARCHAR,
        ...Object.fromEntries(context.map((_, i) => [`c${i}`, VARCHAR])),
      },
    );
    await eachInTurns(lake, (r) => rows.push(part(r)));
    out.push({ layer: 'lake', rows });
  }
  if (to > split) {
    const dims = context
      .map(
        (c, i) =>
          `, any(JSONExtractRaw(context${c.map((_, j) => `, {c${i}_${j}:String}`).join('')})) AS d${i}`,
      )
      .join('');
    const firsts = context.map((_, i) => `, argMin(d${i}, (ms, event_id))`).join('');
    // transform() maps each joined id to its person, any other id to itself.
    const actor =
      persons.ids.length > 0
        ? `transform(any(actor_id), {ids:Array(String)}, {persons:Array(String)}, any(actor_id))`
        : 'any(actor_id)';
    const r = await src.clickhouse.query({
      query: `SELECT actor, min(ms), max(ms), count(), countIf(${CH_PAGE}),
                     argMinIf(path, (ms, event_id), ${CH_PAGE}), argMaxIf(path, (ms, event_id), ${CH_PAGE})${firsts}
              FROM (
                SELECT *, sum(starts) OVER (PARTITION BY actor ORDER BY ms, event_id ROWS UNBOUNDED PRECEDING) AS sid
                FROM (
                  SELECT *, if(row_number() OVER w = 1 OR ms - lagInFrame(ms) OVER w > {timeout:Int64}, 1, 0) AS starts
                  FROM (
                    -- Aliases unlike the columns: ClickHouse would read an alias in WHERE as the aggregate.
                    SELECT event_id, ${actor} AS actor, toUnixTimestamp64Milli(min(event_time)) AS ms,
                           any(event) AS name, any(JSONExtractRaw(properties, 'path')) AS path${dims}
                    FROM {db:Identifier}.speed_events
                    WHERE project_id = {project:String} AND event NOT IN {inactive:Array(String)}
                      AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
                    GROUP BY event_id
                  )
                  WINDOW w AS (PARTITION BY actor ORDER BY ms, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                )
              )
              GROUP BY actor, sid`,
      query_params: {
        db: src.database,
        project,
        from: chTime(split),
        to: chTime(to),
        timeout: timeoutMs,
        inactive: NOT_ACTIVITY,
        ids: persons.ids,
        persons: persons.persons,
        ...Object.fromEntries(context.flatMap((c, i) => c.map((k, j) => [`c${i}_${j}`, k]))),
      },
      format: 'JSONCompactEachRow',
    });
    const rows: SessionPart[] = [];
    await eachInTurns(await r.json<unknown[]>(), (row) => rows.push(part(row)));
    out.push({ layer: 'speed', rows });
  }
  return out;
}
