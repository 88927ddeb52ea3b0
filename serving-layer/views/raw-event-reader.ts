import { LakeQueries } from '../../core/lake/duckdb-access';
import type { ClickHouseClient } from '@clickhouse/client';
import { BIGINT, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { eventHoursOf } from '../../core/lake/events';
import { eachInTurns } from '../../core/turns';
import { key, type LakeStorage } from '../../core/lake/storage';
import type { TraitRow } from '../../core/segments/membership';
import type { IdentityCall } from '../../core/persons/identity';
import {
  CLICKHOUSE_IDENTITY_CALLS,
  DUCKDB_IDENTITY_CALLS,
  identityCallOf,
} from '../../core/persons/identity-calls';
import {
  chTime,
  duckTime,
  jsonPathOf,
  columnOf,
  parseObject,
  type PropertyEventRow,
  type PropertyPick,
  type RawSpan,
} from './raw-sql';

export type { PropertyEventRow, PropertyPick, RawSpan } from './raw-sql';
import { readSessionParts, type RawSources, type SessionPart } from './session-parts';
import { readValueSketches, type ValueSketchRequest } from './value-sketches';
import { readGroupCounts, type GroupCountRequest } from './group-counts';
import { readPersonRegisters, type PersonRegistersRequest } from './person-registers';
import { lakeEventReads } from '../../core/ops/operational-metrics';
import type { BigQueryLakeReads, LoadSpan } from './bigquery-lake-reads';
import { lakeRuns } from './bigquery-loads';

/** One event of a funnel step: who, which event, when (epoch ms). */
export type StepRow = [actor: string, event: string, at: number];
/** An actor active on a day (UTC day start, epoch ms). */
export type ActiveDayRow = [actor: string, day: number];

/** One event of a person's (RawEventReader.actorEvents). */
export interface ActorEventRow {
  eventId: string;
  type: string;
  event: string;
  actor: string;
  at: number;
  /** Raw JSON. */
  properties: string;
  context: string;
}

/** Users as a layer's events describe them (RawEventReader.users). */
export interface UserFacts {
  firstSeen: Map<string, number>;
  traits: TraitRow[];
}

/**
 * Raw events for analyses that need each actor's sequence (funnels, retention), read from the
 * layer that owns each part of the range: the lake (Parquet, DuckDB) before `split`, the speed
 * view's recent events (ClickHouse) from it on, so no event is read from both.
 */
export class RawEventReader {
  private readonly queries: LakeQueries;

  constructor(
    private readonly clickhouse: ClickHouseClient,
    private readonly database: string,
    private readonly lake: LakeStorage,
    /** With the BigQuery engine: persons and sessions of hours its loads hold are read there. */
    private readonly bigquery?: BigQueryLakeReads,
  ) {
    this.queries = new LakeQueries(lake, 2);
  }

  /** The lake's hour folders of the project in [from, to), as globs. */
  private async lakeGlobs(project: string, from: Date, to: Date): Promise<string[]> {
    return (await eventHoursOf(this.lake, project, from.getTime(), to.getTime())).map((p) =>
      this.lake.uri(key(p.key, '*.parquet')),
    );
  }

  /** The lake's rows; parameters `events` (a list) and `p0`, `p1`... (JSON paths) typed as such. */
  private queryLake(sql: string, globs: string[], params: Record<string, unknown>): Promise<unknown[][]> {
    return this.queries.rows(sql, globs, params, {
      ...(params.events ? { events: LIST(VARCHAR) } : {}),
      ...Object.fromEntries(
        Object.keys(params)
          .filter((k) => /^p\d+$/.test(k))
          .map((k) => [k, VARCHAR]),
      ),
    });
  }

  /** Events named in `events` of the project in [from, to). */
  async stepEvents(span: RawSpan, events: string[]): Promise<StepRow[]> {
    const { project, from, split, to } = span;
    const rows: StepRow[] = [];
    if (split > from) {
      const lake = await this.queryLake(
        `SELECT actor_id, event, epoch_ms(event_time) FROM read_parquet($globs, union_by_name = true)
         WHERE list_contains($events, event) AND event_time >= $from AND event_time < $to`,
        await this.lakeGlobs(project, from, split),
        { events: listValue(events), from: duckTime(from), to: duckTime(split) },
      );
      await eachInTurns(lake, (r) => rows.push([String(r[0]), String(r[1]), Number(r[2])]));
    }
    if (to > split) {
      const r = await this.clickhouse.query({
        query: `SELECT actor_id, event, toUnixTimestamp64Milli(event_time) FROM {db:Identifier}.speed_events
                WHERE project_id = {project:String} AND event IN {events:Array(String)}
                  AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}`,
        query_params: { db: this.database, project, events, from: chTime(split), to: chTime(to) },
        format: 'JSONCompactEachRow',
      });
      await eachInTurns(await r.json<[string, string, string | number]>(), (row) =>
        rows.push([row[0], row[1], Number(row[2])]),
      );
    }
    return rows;
  }

  /**
   * Each (actor, UTC day) with at least one event (of `event`, when given) in [from, to). The
   * engines keep each pair once, so what crosses into Node is one row per actor and day, not per
   * event.
   */
  async activeDays(span: RawSpan, event?: string): Promise<ActiveDayRow[]> {
    const { project, from, split, to } = span;
    const day = 86_400_000;
    const events = event === undefined ? [] : [event];
    const rows: ActiveDayRow[] = [];
    if (split > from) {
      const lake = await this.queries.rows(
        `SELECT DISTINCT actor_id, (epoch_ms(event_time) // $step) * $step FROM read_parquet($globs, union_by_name = true)
         WHERE ($all OR list_contains($events, event)) AND event_time >= $from AND event_time < $to`,
        await this.lakeGlobs(project, from, split),
        {
          all: event === undefined,
          events: listValue(events),
          step: BigInt(day),
          from: duckTime(from),
          to: duckTime(split),
        },
        { step: BIGINT, events: LIST(VARCHAR) },
      );
      await eachInTurns(lake, (r) => rows.push([String(r[0]), Number(r[1])]));
    }
    if (to > split) {
      const r = await this.clickhouse.query({
        query: `SELECT DISTINCT actor_id, intDiv(toUnixTimestamp64Milli(event_time), {step:Int64}) * {step:Int64}
                FROM {db:Identifier}.speed_events
                WHERE project_id = {project:String} AND ({all:Bool} OR event IN {events:Array(String)})
                  AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}`,
        query_params: {
          db: this.database,
          project,
          all: event === undefined,
          events,
          step: day,
          from: chTime(split),
          to: chTime(to),
        },
        format: 'JSONCompactEachRow',
      });
      await eachInTurns(await r.json<[string, string | number]>(), (row) =>
        rows.push([row[0], Number(row[1])]),
      );
    }
    return rows;
  }

  /**
   * Events of the project in [from, to) named in `events` (all of them when undefined), each once
   * (the lake may hold a retried event twice: one row per event id), with the raw JSON of each
   * property in `props` (null when absent). Rows: [actor, event, at (epoch ms), ...raw values].
   */
  async propertyEvents(span: RawSpan, pick: PropertyPick): Promise<PropertyEventRow[]> {
    const layers = await this.byRuns(
      span,
      (run) => this.propertyEventsOf(run, pick),
      (reads, run) => reads.propertyEvents(run, pick),
    );
    return layers.flatMap((l) => l.rows);
  }

  /** propertyEvents from the lake's files (DuckDB) and the speed view (ClickHouse). */
  private async propertyEventsOf(
    span: RawSpan,
    pick: PropertyPick,
  ): Promise<{ layer: 'lake' | 'speed'; rows: PropertyEventRow[] }[]> {
    const { project, from, split, to } = span;
    const { events, props, paths: stored = [] } = pick;
    const layers: { layer: 'lake' | 'speed'; rows: PropertyEventRow[] }[] = [];
    // The column of each path, from a closed list: never the caller's text.
    // JSON paths as bound parameters: a property name is never part of the SQL text.
    const paths = {
      ...Object.fromEntries(props.map((p, i) => [`p${i}`, jsonPathOf([p])])),
      ...Object.fromEntries(stored.map((c, i) => [`p${props.length + i}`, jsonPathOf(c.path)])),
    };
    if (split > from) {
      const duckProps = [
        ...props.map((_, i) => `, any_value(json_extract(properties, $p${i}))::VARCHAR`),
        ...stored.map((c, i) => `, any_value(json_extract(${columnOf(c)}, $p${props.length + i}))::VARCHAR`),
      ].join('');
      const lake = await this.queryLake(
        `SELECT any_value(actor_id), any_value(event), epoch_ms(min(event_time))${duckProps}
         FROM read_parquet($globs, union_by_name = true)
         WHERE ($all OR list_contains($events, event)) AND event_time >= $from AND event_time < $to
         GROUP BY event_id`,
        await this.lakeGlobs(project, from, split),
        {
          events: listValue(events ?? []),
          all: events === undefined,
          from: duckTime(from),
          to: duckTime(split),
          ...paths,
        },
      );
      const rows: PropertyEventRow[] = [];
      await eachInTurns(lake, (r) =>
        rows.push([
          String(r[0]),
          String(r[1]),
          Number(r[2]),
          ...r.slice(3).map((v) => (v === null ? null : String(v))),
        ]),
      );
      layers.push({ layer: 'lake', rows });
    }
    if (to > split) {
      const chProps = [
        ...props.map((_, i) => `, JSONExtractRaw(properties, {k${i}:String})`),
        ...stored.map(
          (c, i) =>
            `, JSONExtractRaw(${columnOf(c)}${c.path.map((_, j) => `, {c${i}_${j}:String}`).join('')})`,
        ),
      ].join('');
      const r = await this.clickhouse.query({
        query: `SELECT actor_id, event, toUnixTimestamp64Milli(event_time)${chProps} FROM {db:Identifier}.speed_events
                WHERE project_id = {project:String} AND ({all:Bool} OR event IN {events:Array(String)})
                  AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}`,
        query_params: {
          db: this.database,
          project,
          events: events ?? [],
          all: events === undefined,
          from: chTime(split),
          to: chTime(to),
          ...Object.fromEntries(props.map((p, i) => [`k${i}`, p])),
          ...Object.fromEntries(stored.flatMap((c, i) => c.path.map((k, j) => [`c${i}_${j}`, k]))),
        },
        format: 'JSONCompactEachRow',
      });
      const rows: PropertyEventRow[] = [];
      await eachInTurns(await r.json<[string, string, string | number, ...string[]]>(), (row) =>
        rows.push([
          row[0],
          row[1],
          Number(row[2]),
          ...row.slice(3).map((v) => (v === '' ? null : String(v))),
        ]),
      );
      layers.push({ layer: 'speed', rows });
    }
    return layers;
  }

  /** Each layer's events counted per bucket, group and filtered values (group-counts.ts). */
  groupCounts(span: RawSpan, q: GroupCountRequest) {
    return readGroupCounts(this.sources(), span, q);
  }

  /**
   * What the project's events say about its users in [from, to): when each was first seen, and
   * every trait they sent (an identify call's `traits` over its `context.traits`), one row per
   * event id. From the lake when `layer` is 'lake', else from the speed view.
   */
  async users(q: { layer: 'lake' | 'speed'; project: string; from: Date; to: Date }): Promise<UserFacts> {
    const { layer, project, from, to } = q;
    const firstSeen = new Map<string, number>();
    const traits: UserFacts['traits'] = [];
    const seen = (actor: string, at: number) => {
      const known = firstSeen.get(actor);
      if (known === undefined || at < known) firstSeen.set(actor, at);
    };
    const trait = (actor: string, at: number, tie: string, fromContext: unknown, fromCall: unknown) => {
      const merged = { ...parseObject(fromContext), ...parseObject(fromCall) };
      if (Object.keys(merged).length > 0) traits.push({ actor, at, tie, traits: merged });
    };
    if (layer === 'lake') {
      const globs = await this.lakeGlobs(project, from, to);
      const firsts = await this.queryLake(
        `SELECT actor_id, epoch_ms(min(event_time)) FROM read_parquet($globs, union_by_name = true)
         WHERE event_time >= $from AND event_time < $to GROUP BY actor_id`,
        globs,
        { from: duckTime(from), to: duckTime(to) },
      );
      await eachInTurns(firsts, (r) => seen(String(r[0]), Number(r[1])));
      // A cheap text test first: most events carry no traits, and their JSON is never parsed.
      const withTraits = await this.queryLake(
        `SELECT any_value(actor_id), epoch_ms(min(event_time)), event_id,
                any_value(json_extract(context, '$.traits'))::VARCHAR,
                any_value(CASE WHEN type = 'identify' THEN json_extract(properties, '$.traits') END)::VARCHAR
         FROM read_parquet($globs, union_by_name = true)
         WHERE event_time >= $from AND event_time < $to
           AND (type = 'identify' OR contains(context, '"traits"'))
         GROUP BY event_id`,
        globs,
        { from: duckTime(from), to: duckTime(to) },
      );
      await eachInTurns(withTraits, (r) => trait(String(r[0]), Number(r[1]), String(r[2]), r[3], r[4]));
      return { firstSeen, traits };
    }
    const params = { db: this.database, project, from: chTime(from), to: chTime(to) };
    const where = `project_id = {project:String}
      AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}`;
    const first = await this.clickhouse.query({
      query: `SELECT actor_id, toUnixTimestamp64Milli(min(event_time)) FROM {db:Identifier}.speed_events
              WHERE ${where} GROUP BY actor_id`,
      query_params: params,
      format: 'JSONCompactEachRow',
    });
    await eachInTurns(await first.json<[string, string | number]>(), (row) => seen(row[0], Number(row[1])));
    const sent = await this.clickhouse.query({
      query: `SELECT actor_id, toUnixTimestamp64Milli(event_time), event_id, JSONExtractRaw(context, 'traits'),
                     if(type = 'identify', JSONExtractRaw(properties, 'traits'), '')
              FROM {db:Identifier}.speed_events
              WHERE ${where} AND (type = 'identify' OR position(context, '"traits"') > 0)`,
      query_params: params,
      format: 'JSONCompactEachRow',
    });
    await eachInTurns(await sent.json<[string, string | number, string, string, string]>(), (row) =>
      trait(row[0], Number(row[1]), row[2], row[3], row[4]),
    );
    return { firstSeen, traits };
  }

  /**
   * The calls that may join ids into persons (core/persons/identity.ts), each once: identify calls
   * carrying both ids, and alias calls with their previous id.
   */
  async identityCalls(span: RawSpan): Promise<IdentityCall[]> {
    const { project, from, split, to } = span;
    const calls: IdentityCall[] = [];
    if (split > from) {
      const lake = await this.queryLake(DUCKDB_IDENTITY_CALLS, await this.lakeGlobs(project, from, split), {
        from: duckTime(from),
        to: duckTime(split),
      });
      await eachInTurns(lake, (r) => calls.push(identityCallOf(r)));
    }
    if (to > split) {
      const r = await this.clickhouse.query({
        query: CLICKHOUSE_IDENTITY_CALLS,
        query_params: { db: this.database, project, from: chTime(split), to: chTime(to) },
        format: 'JSONCompactEachRow',
      });
      await eachInTurns(await r.json<unknown[]>(), (row) => calls.push(identityCallOf(row)));
    }
    return calls;
  }

  /**
   * Every event of the given actors in the span, each once, oldest first: id, type, name, actor,
   * time (epoch ms), and the raw JSON of its properties and context.
   */
  async actorEvents(span: RawSpan, actors: readonly string[]): Promise<ActorEventRow[]> {
    const { project, from, split, to } = span;
    const rows: ActorEventRow[] = [];
    const push = (r: unknown[]) =>
      rows.push({
        eventId: String(r[0]),
        type: String(r[1]),
        event: String(r[2]),
        actor: String(r[3]),
        at: Number(r[4]),
        properties: String(r[5] ?? '{}'),
        context: String(r[6] ?? '{}'),
      });
    if (split > from) {
      const lake = await this.queries.rows(
        `SELECT event_id, any_value(type), any_value(event), any_value(actor_id), epoch_ms(min(event_time)),
                any_value(properties), any_value(context)
         FROM read_parquet($globs, union_by_name = true)
         WHERE list_contains($actors, actor_id) AND event_time >= $from AND event_time < $to
         GROUP BY event_id`,
        await this.lakeGlobs(project, from, split),
        { actors: listValue([...actors]), from: duckTime(from), to: duckTime(split) },
        { actors: LIST(VARCHAR) },
      );
      await eachInTurns(lake, push);
    }
    if (to > split) {
      const r = await this.clickhouse.query({
        query: `SELECT event_id, any(type), any(event), any(actor_id), toUnixTimestamp64Milli(min(event_time)),
                       any(properties), any(context)
                FROM {db:Identifier}.speed_events
                WHERE project_id = {project:String} AND actor_id IN {actors:Array(String)}
                  AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
                GROUP BY event_id`,
        query_params: { db: this.database, project, actors, from: chTime(split), to: chTime(to) },
        format: 'JSONCompactEachRow',
      });
      await eachInTurns(await r.json<unknown[]>(), push);
    }
    return rows.sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : 1));
  }

  /**
   * Each layer's HyperLogLog registers of distinct persons per bucket (person-registers.ts); the
   * lake's hours that BigQuery's loads hold are read there (bigquery-loads.ts).
   */
  async personRegisters(span: RawSpan, q: PersonRegistersRequest) {
    return this.byRuns(
      span,
      (run) => readPersonRegisters(this.sources(), run, q),
      (reads, run) => reads.personRegisters(run, q),
    );
  }

  /** Each layer's DDSketch bins of a numeric property per bucket and group (value-sketches.ts). */
  async valueSketches(span: RawSpan, q: ValueSketchRequest) {
    return this.byRuns(
      span,
      (run) => readValueSketches(this.sources(), run, q),
      (reads, run) => reads.valueSketches(run, q),
    );
  }

  /** Each layer's sessions in the span, cut by its engine (session-parts.ts). */
  async sessionParts(
    span: RawSpan,
    q: {
      timeoutMs: number;
      context: readonly (readonly string[])[];
      persons: { ids: string[]; persons: string[] };
    },
  ): Promise<{ layer: 'lake' | 'speed'; rows: SessionPart[] }[]> {
    return this.byRuns(
      span,
      (run) => readSessionParts(this.sources(), run, q),
      (reads, run) => reads.sessionParts(run, q),
    );
  }

  /**
   * Reads a span part by part, in time order: the lake's part in runs of hours (lakeRuns), each by
   * BigQuery when its loads hold the run (with the BigQuery engine), else by DuckDB over the lake's
   * files; then the speed view's part. Each read is counted by the engine that made it.
   */
  private async byRuns<T>(
    span: RawSpan,
    read: (span: RawSpan) => Promise<{ layer: 'lake' | 'speed'; rows: T[] }[]>,
    fromBigQuery: (reads: BigQueryLakeReads, span: LoadSpan) => Promise<T[]>,
  ): Promise<{ layer: 'lake' | 'speed'; rows: T[] }[]> {
    const { project, from, split, to } = span;
    if (!this.bigquery || split <= from) {
      if (split > from) lakeEventReads.inc({ engine: 'duckdb' });
      return read(span);
    }
    const out: { layer: 'lake' | 'speed'; rows: T[] }[] = [];
    for (const run of await lakeRuns(this.lake, { project, from, to: split })) {
      lakeEventReads.inc({ engine: run.loads ? 'bigquery' : 'duckdb' });
      if (run.loads)
        out.push({
          layer: 'lake',
          rows: await fromBigQuery(this.bigquery, { project, ...run, loads: run.loads }),
        });
      else out.push(...(await read({ project, from: run.from, split: run.to, to: run.to })));
    }
    return [...out, ...(to > split ? await read({ ...span, from: split }) : [])];
  }

  /** Where the raw events are, for the readers in their own files. */
  private sources(): RawSources {
    return {
      lake: this.queries,
      lakeGlobs: (project, from, to) => this.lakeGlobs(project, from, to),
      clickhouse: this.clickhouse,
      database: this.database,
    };
  }

  close(): void {
    this.queries.close();
  }
}
