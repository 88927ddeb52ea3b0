import type { BigQuery, Query } from '@google-cloud/bigquery';
import { EVENTS_TABLE_CONTRACT } from '../../batch-layer/bigquery-engine';
import { bigQueryClient } from '../../batch-layer/bigquery-client';
import { dryRun } from '../../batch-layer/bigquery-jobs';
import { fillTemplate, sqlTemplate } from '../../core/metric-catalog/sql-templates';
import type { BigQuerySettings } from '../../core/config/sections';
import { NOT_ACTIVITY } from '../../core/events/sessions';
import type { PersonRegistersRequest, RegisterRow } from './person-registers';
import { columnOf, jsonPathOf, type PropertyEventRow, type PropertyPick } from './raw-sql';
import { DD_LN_GAMMA } from '../../core/sketches/ddsketch';
import type { ValueBinRow, ValueSketchRequest } from './value-sketches';
import type { SessionPart } from './session-parts';

/** A project's events in [from, to) as BigQuery holds them: the rows of these loads only. */
export interface LoadSpan {
  project: string;
  from: Date;
  to: Date;
  /** The loads of the hours' views in force (bigquery-loads.ts). */
  loads: string[];
}

/** Ids joined to a person named otherwise (IdentityGraph.joined), bound as two arrays. */
type Persons = { ids: string[]; persons: string[] };

const HLL = sqlTemplate('bigquery', 'hll_registers');
const PAGE = `event IN ('page', 'screen')`;

/**
 * Persons and sessions in BigQuery, over the events table the batch layer loads: the same
 * definitions as the lake's DuckDB and the speed view's ClickHouse (person-registers.ts,
 * session-parts.ts), held equal by the engine conformance suite. Each event once (a load may hold
 * a retried event twice: grouped by its id), each id taken to its person by the joined ids bound
 * as arrays. Only registers or sessions come back, never events.
 */
export class BigQueryLakeReads {
  private readonly table: string;

  private constructor(
    private readonly bq: BigQuery,
    private readonly s: BigQuerySettings,
  ) {
    this.table = `\`${s.projectId}.${s.dataset}.${EVENTS_TABLE_CONTRACT.name}\``;
  }

  static open(s: BigQuerySettings): BigQueryLakeReads {
    return new BigQueryLakeReads(bigQueryClient(s), s);
  }

  /** The span's rows: the loads' events of the project in [from, to). */
  private get rows(): string {
    return `${this.table} WHERE project_id = @project AND load_id IN UNNEST(@loads)
      AND event_time >= @from AND event_time < @to`;
  }

  /** The HyperLogLog registers of distinct persons per bucket (as readPersonRegisters' lake part). */
  async personRegisters(span: LoadSpan, q: PersonRegistersRequest): Promise<RegisterRow[]> {
    const actors = `SELECT DISTINCT bucket, COALESCE(joined.person, ids.id) AS actor_id
      FROM (SELECT DISTINCT actor_id AS id, DIV(UNIX_MILLIS(event_time), @step) * @step AS bucket
            FROM ${this.rows} AND (@all OR event IN UNNEST(@events))) AS ids
      LEFT JOIN (${JOINED}) AS joined ON joined.id = ids.id`;
    const rows = await this.query(
      `SELECT bucket, reg, MAX(rank) AS rank FROM (${fillTemplate(HLL, { actors })}) GROUP BY bucket, reg`,
      {
        ...spanParams(span),
        ...personParams(q.persons),
        step: q.stepMs,
        all: q.events === undefined,
        events: [...(q.events ?? [])],
      },
    );
    return rows.map((r) => [Number(r.bucket), Number(r.reg), Number(r.rank)]);
  }

  /**
   * A person's sessions in the span (as readSessionParts' lake part): activity with no gap longer
   * than `timeoutMs`, its first and last time, events, page views, first and last page's path,
   * and its first event's values at the context paths, all raw JSON as the other engines give.
   */
  async sessionParts(
    span: LoadSpan,
    q: { timeoutMs: number; context: readonly (readonly string[])[]; persons: Persons },
  ): Promise<SessionPart[]> {
    // JSON_QUERY of a STRING is a STRING in BigQuery; the cast keeps the emulator's JSON to text.
    const json = (col: string, path: string) => `CAST(JSON_QUERY(${col}, ${path}) AS STRING)`;
    const dims = q.context.map((_, i) => `, ANY_VALUE(${json('context', `@c${i}`)}) AS d${i}`).join('');
    const firsts = q.context.map((_, i) => `, MAX(IF(nth = 1, d${i}, NULL)) AS d${i}`).join('');
    // Each event's place in its session, and in its session's pages from either end: the first
    // page's path (null when it has none) is the entry, the last one's the exit.
    const rows = await this.query(
      `WITH ev AS (SELECT event_id, ANY_VALUE(actor_id) AS actor_id, MIN(event_time) AS t,
                          ANY_VALUE(${PAGE}) AS is_page, ANY_VALUE(${json('properties', "'$.path'")}) AS path${dims}
                   FROM ${this.rows} AND event NOT IN UNNEST(@inactive) GROUP BY event_id),
        pe AS (SELECT ev.* REPLACE (COALESCE(joined.person, ev.actor_id) AS actor_id)
               FROM ev LEFT JOIN (${JOINED}) AS joined ON joined.id = ev.actor_id),
        s AS (SELECT *, IF(UNIX_MILLIS(t) - UNIX_MILLIS(LAG(t) OVER (PARTITION BY actor_id ORDER BY t, event_id)) <= @timeout,
                           0, 1) AS starts FROM pe),
        n AS (SELECT *, SUM(starts) OVER (PARTITION BY actor_id ORDER BY t, event_id ROWS UNBOUNDED PRECEDING) AS sid FROM s),
        r AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY actor_id, sid ORDER BY t, event_id) AS nth,
                     ROW_NUMBER() OVER (PARTITION BY actor_id, sid, is_page ORDER BY t, event_id) AS nth_page,
                     ROW_NUMBER() OVER (PARTITION BY actor_id, sid, is_page ORDER BY t DESC, event_id DESC) AS nth_page_back
              FROM n)
      SELECT actor_id, UNIX_MILLIS(MIN(t)) AS first_ms, UNIX_MILLIS(MAX(t)) AS last_ms, COUNT(*) AS events,
             COUNTIF(is_page) AS pages, MAX(IF(is_page AND nth_page = 1, path, NULL)) AS entry_path,
             MAX(IF(is_page AND nth_page_back = 1, path, NULL)) AS exit_path${firsts}
      FROM r GROUP BY actor_id, sid`,
      {
        ...spanParams(span),
        ...personParams(q.persons),
        timeout: q.timeoutMs,
        inactive: [...NOT_ACTIVITY],
        ...Object.fromEntries(q.context.map((c, i) => [`c${i}`, jsonPathOf(c)])),
      },
    );
    const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return rows.map((r) => ({
      actor: String(r.actor_id),
      start: Number(r.first_ms),
      end: Number(r.last_ms),
      events: Number(r.events),
      pages: Number(r.pages),
      entryPath: text(r.entry_path),
      exitPath: text(r.exit_path),
      dims: q.context.map((_, i) => text(r[`d${i}`])),
    }));
  }

  /**
   * The span's events (of `events`, all when absent), each once, with the raw JSON at each property
   * name and path asked (as RawEventReader.propertyEvents' lake part: null when absent), paths
   * bound as parameters. Rows cross into Node event by event: what a filter on person traits or
   * a scan needs; counts and sketches are computed here instead.
   */
  async propertyEvents(span: LoadSpan, pick: PropertyPick): Promise<PropertyEventRow[]> {
    const json = (col: string, path: string) => `CAST(JSON_QUERY(${col}, ${path}) AS STRING)`;
    const stored = pick.paths ?? [];
    const values = [
      ...pick.props.map((_, i) => `, ANY_VALUE(${json('properties', `@p${i}`)}) AS v${i}`),
      ...stored.map(
        (c, i) =>
          `, ANY_VALUE(${json(columnOf(c), `@p${pick.props.length + i}`)}) AS v${pick.props.length + i}`,
      ),
    ].join('');
    const n = pick.props.length + stored.length;
    const rows = await this.query(
      `SELECT ANY_VALUE(actor_id) AS actor_id, ANY_VALUE(event) AS event, UNIX_MILLIS(MIN(event_time)) AS at${values}
       FROM ${this.rows} AND (@all OR event IN UNNEST(@events)) GROUP BY event_id`,
      {
        ...spanParams(span),
        all: pick.events === undefined,
        events: [...(pick.events ?? [])],
        ...Object.fromEntries(pick.props.map((p, i) => [`p${i}`, jsonPathOf([p])])),
        ...Object.fromEntries(stored.map((c, i) => [`p${pick.props.length + i}`, jsonPathOf(c.path)])),
      },
    );
    return rows.map((r) => [
      String(r.actor_id),
      String(r.event),
      Number(r.at),
      ...Array.from({ length: n }, (_, i) => {
        const v = r[`v${i}`];
        return v === null || v === undefined ? null : String(v);
      }),
    ]);
  }

  /**
   * The DDSketch bins of a numeric property per bucket and group (as readValueSketches' lake
   * part): each event once, a value when its raw JSON casts to a finite number, ln γ bound.
   */
  async valueSketches(span: LoadSpan, q: ValueSketchRequest): Promise<ValueBinRow[]> {
    const json = (col: string, path: string) => `CAST(JSON_QUERY(${col}, ${path}) AS STRING)`;
    const group = q.group ? `ANY_VALUE(${json(columnOf(q.group), '@g')})` : 'CAST(NULL AS STRING)';
    const rows = await this.query(
      `WITH ev AS (SELECT MIN(event_time) AS t, ${group} AS g,
                          SAFE_CAST(ANY_VALUE(${json(columnOf(q.value), '@v')}) AS FLOAT64) AS x
                   FROM ${this.rows} AND (@all OR event IN UNNEST(@events)) GROUP BY event_id)
       SELECT bucket, g, s, i, COUNT(*) AS n FROM (
         SELECT DIV(UNIX_MILLIS(t), @step) * @step AS bucket, g, CAST(SIGN(x) AS INT64) AS s,
                IF(x = 0, 0, CAST(CEIL(LN(ABS(x)) / @lng) AS INT64)) AS i
         FROM ev WHERE x IS NOT NULL AND NOT IS_INF(x) AND NOT IS_NAN(x))
       GROUP BY bucket, g, s, i`,
      {
        ...spanParams(span),
        step: q.stepMs,
        all: q.events === undefined,
        events: [...(q.events ?? [])],
        v: jsonPathOf(q.value.path),
        g: q.group ? jsonPathOf(q.group.path) : '$',
        lng: DD_LN_GAMMA,
      },
    );
    return rows.map((r) => [
      Number(r.bucket),
      r.g === null || r.g === undefined ? null : String(r.g),
      Number(r.s),
      Number(r.i),
      Number(r.n),
    ]);
  }

  /** Runs a query (dry run and byte limit first, as the batch layer's) and returns its rows. */
  private async query(query: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    // Arrays are typed: an empty one says nothing of its elements.
    const types: Query['types'] = Object.fromEntries(
      Object.entries(params)
        .filter(([, v]) => Array.isArray(v))
        .map(([k]) => [k, ['STRING']]),
    );
    await dryRun(
      this.bq,
      { query, params, types, location: this.s.location },
      this.s.maxBytesBilled,
      'ask for a shorter range',
    );
    const [job] = await this.bq.createQueryJob({
      query,
      params,
      types,
      location: this.s.location,
      useLegacySql: false,
      maximumBytesBilled: String(this.s.maxBytesBilled),
    });
    const [rows] = await job.getQueryResults({ autoPaginate: true });
    return rows as Record<string, unknown>[];
  }
}

/**
 * Joined ids and their persons, paired by position; cast, as the emulator types an empty array
 * as integers whatever the parameter's declared type.
 */
const JOINED = `SELECT CAST(id AS STRING) AS id, CAST(person AS STRING) AS person
  FROM UNNEST(@ids) AS id WITH OFFSET AS i JOIN UNNEST(@persons) AS person WITH OFFSET AS j ON i = j`;

const spanParams = (s: LoadSpan) => ({ project: s.project, from: s.from, to: s.to, loads: s.loads });
const personParams = (p: Persons) => ({ ids: p.ids, persons: p.persons });
