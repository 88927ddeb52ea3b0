import { HLL_RANK, HLL_REG, HLL_SMEAR } from '../../core/clickhouse/hll-rank';
import { BIGINT, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { hllRegistersSql } from '../../batch-layer/duckdb-catalog';
import { eachInTurns } from '../../core/turns';
import { chTime, duckTime, jsonList, type RawSpan } from './raw-sql';
import type { RawSources } from './session-parts';

/** One bucket's HyperLogLog register as a layer's engine computed it. */
export type RegisterRow = [bucket: number, reg: number, rank: number];

/** What a unique-person count reads: buckets, the events counted, who is whom. */
export interface PersonRegistersRequest {
  /** Bucket length (UTC minutes, hours, days from the epoch). */
  stepMs: number;
  /** Only events named here; all when absent. */
  events?: readonly string[] | undefined;
  /** Ids that belong to a person named otherwise (IdentityGraph.joined); any other id is its own. */
  persons: { ids: string[]; persons: string[] };
}

/**
 * The HyperLogLog registers of the distinct persons per bucket, in each layer's part of the span,
 * computed by the engine holding it: each id taken to its person (the joined ids bound as two
 * lists), each person hashed as every unique count hashes (the first 8 bytes of its MD5: register
 * from the top 14 bits, rank from the leading zeros of the other 50). Only registers, at most
 * 16,384 per bucket, cross into Node; they merge across layers and buckets by max.
 */
export async function readPersonRegisters(
  src: RawSources,
  span: RawSpan,
  q: PersonRegistersRequest,
): Promise<{ layer: 'lake' | 'speed'; rows: RegisterRow[] }[]> {
  const { project, from, split, to } = span;
  const all = q.events === undefined;
  const events = [...(q.events ?? [])];
  const out: { layer: 'lake' | 'speed'; rows: RegisterRow[] }[] = [];
  if (split > from) {
    const actors = `WITH joined AS (SELECT unnest(from_json($ids, '["VARCHAR"]')) AS id,
                                unnest(from_json($persons, '["VARCHAR"]')) AS person),
        ids AS (SELECT DISTINCT actor_id AS id, (epoch_ms(event_time) // $step) * $step AS bucket
                FROM read_parquet($globs, union_by_name = true)
                WHERE ($all OR list_contains($events, event)) AND event_time >= $from AND event_time < $to)
      SELECT DISTINCT bucket, coalesce(joined.person, ids.id) AS actor_id FROM ids LEFT JOIN joined ON joined.id = ids.id`;
    const rows: RegisterRow[] = [];
    const lake = await src.lake.rows(
      `SELECT bucket, reg, max(rank) FROM (${hllRegistersSql(actors)}) GROUP BY bucket, reg`,
      await src.lakeGlobs(project, from, split),
      {
        ids: jsonList(q.persons.ids),
        persons: jsonList(q.persons.persons),
        all,
        events: listValue(events),
        step: BigInt(q.stepMs),
        from: duckTime(from),
        to: duckTime(split),
      },
      { ids: VARCHAR, persons: VARCHAR, events: LIST(VARCHAR), step: BIGINT },
    );
    await eachInTurns(lake, (r) => rows.push([Number(r[0]), Number(r[1]), Number(r[2])]));
    out.push({ layer: 'lake', rows });
  }
  if (to > split) {
    // transform() maps each joined id to its person, any other id to itself.
    const person =
      q.persons.ids.length > 0
        ? 'transform(actor_id, {ids:Array(String)}, {persons:Array(String)}, actor_id)'
        : 'actor_id';
    const r = await src.clickhouse.query({
      query: `SELECT bucket, reg, max(rank) FROM (
                SELECT bucket, ${HLL_REG} AS reg, ${HLL_RANK} AS rank FROM (
                  SELECT bucket, h, ${HLL_SMEAR}
                  FROM (
                    SELECT DISTINCT intDiv(toUnixTimestamp64Milli(event_time), {step:Int64}) * {step:Int64} AS bucket,
                           reinterpretAsUInt64(reverse(substring(MD5(${person}), 1, 8))) AS h
                    FROM {db:Identifier}.speed_events
                    WHERE project_id = {project:String} AND ({all:Bool} OR event IN {events:Array(String)})
                      AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
                  )
                )
              )
              GROUP BY bucket, reg`,
      query_params: {
        db: src.database,
        project,
        all,
        events,
        step: q.stepMs,
        from: chTime(split),
        to: chTime(to),
        ...(q.persons.ids.length > 0 ? { ids: q.persons.ids, persons: q.persons.persons } : {}),
      },
      format: 'JSONCompactEachRow',
    });
    const rows: RegisterRow[] = [];
    await eachInTurns(await r.json<[string | number, number, number]>(), (row) =>
      rows.push([Number(row[0]), Number(row[1]), Number(row[2])]),
    );
    out.push({ layer: 'speed', rows });
  }
  return out;
}
