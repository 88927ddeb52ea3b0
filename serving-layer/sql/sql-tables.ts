import { quoteLiteral } from '../../batch-layer/sql-literal';

/** The columns of `events`, as analysts read them (docs/api.md "SQL"). */
export const EVENT_COLUMNS = [
  'event_id',
  'type',
  'event',
  'user_id',
  'anonymous_id',
  'actor_id',
  'event_time',
  'received_at',
  'properties',
  'context',
] as const;

/** What the tables of one SQL request are made of: all of it the platform's own, none the caller's. */
export interface TableSources {
  /** The lake's files of the project before the split, each by its full path (none: no lake part). */
  lakeFiles: string[];
  /** The speed view's rows of the request, written as Parquet by ClickHouse (absent: none). */
  speedFile?: string;
  /** Where the layers meet (the watermark, held to the range), and the range itself. */
  split: Date;
  from: Date;
  to: Date;
  /** SESSION_TIMEOUT_MINUTES, in ms. */
  sessionTimeoutMs: number;
}

const time = (d: Date) => `TIMESTAMP ${quoteLiteral(d.toISOString().replace('T', ' ').replace('Z', ''))}`;

/**
 * The lake's typed columns. Files are matched by column name, and these are in every file the
 * archiver ever wrote (only `sent_at` came later, and is not read here), so DuckDB need not read
 * every file's schema when the view is made (union_by_name), which cost most of a request.
 */
const lakeColumns = `event_id::VARCHAR AS event_id, type::VARCHAR AS type, event::VARCHAR AS event,
  user_id::VARCHAR AS user_id, anonymous_id::VARCHAR AS anonymous_id, actor_id::VARCHAR AS actor_id,
  event_time::TIMESTAMP AS event_time, received_at::TIMESTAMP AS received_at,
  properties::JSON AS properties, context::JSON AS context`;

/**
 * The statements that make a request's tables, run before the sandbox is locked: DuckDB takes no
 * parameters in a view, so the few values here are literals the platform built (the lake's own
 * paths for one validated project id, times it computed), never text from the request.
 *
 * - `events`: every event of the range once. The lake's files before the split, the speed view's
 *   rows from it on and its rows of sealed hours whose late events the lake's views do not hold
 *   yet; an event found twice (a retried send in the lake, a late event both archived and in the
 *   speed view) is kept once, the lake's copy first. `layer` says where each row came from, and
 *   `person_id` who it was (the identity graph: a visitor who signed up is one person).
 * - `person_ids`: each actor of the range and its person;
 * - `persons`: one row per person of the range;
 * - `sessions`: each person's activity cut where it pauses longer than the session timeout, as
 *   every other part of the platform cuts it.
 */
export function tableStatements(s: TableSources): string[] {
  const range = `event_time >= ${time(s.from)} AND event_time < ${time(s.to)}`;
  const lake =
    s.lakeFiles.length > 0
      ? `SELECT ${lakeColumns}, 'lake' AS layer
         FROM read_parquet([${s.lakeFiles.map(quoteLiteral).join(', ')}])
         WHERE ${range} AND event_time < ${time(s.split)}`
      : undefined;
  const speed = s.speedFile
    ? `SELECT ${lakeColumns}, 'speed' AS layer FROM _speed WHERE ${range}`
    : undefined;
  const parts = [lake, speed].filter((p): p is string => p !== undefined);
  const union =
    parts.length > 0
      ? parts.join('\nUNION ALL\n')
      : `SELECT ${EVENT_COLUMNS.map((c) => `NULL::${c.endsWith('_time') || c === 'received_at' ? 'TIMESTAMP' : c === 'properties' || c === 'context' ? 'JSON' : 'VARCHAR'} AS ${c}`).join(', ')}, 'lake' AS layer WHERE false`;
  return [
    ...(s.speedFile
      ? [`CREATE TABLE _speed AS SELECT * FROM read_parquet(${quoteLiteral(s.speedFile)})`]
      : []),
    `CREATE VIEW _events AS
     SELECT * FROM (${union})
     QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY layer, received_at) = 1`,
    `CREATE VIEW person_ids AS
     SELECT DISTINCT e.actor_id, coalesce(j.person_id, e.actor_id) AS person_id
     FROM _events e LEFT JOIN _joined j USING (actor_id)`,
    `CREATE VIEW events AS
     SELECT e.event_id, e.type, e.event, e.user_id, e.anonymous_id, e.actor_id,
            coalesce(j.person_id, e.actor_id) AS person_id,
            e.event_time, e.received_at, e.properties, e.context, e.layer
     FROM _events e LEFT JOIN _joined j USING (actor_id)`,
    `CREATE VIEW persons AS
     SELECT person_id,
            list(DISTINCT user_id ORDER BY user_id) FILTER (WHERE user_id IS NOT NULL) AS user_ids,
            list(DISTINCT anonymous_id ORDER BY anonymous_id) FILTER (WHERE anonymous_id IS NOT NULL) AS anonymous_ids,
            min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS events,
            arg_max(json_extract(properties, '$.traits'), event_time) FILTER (WHERE type = 'identify') AS traits
     FROM events GROUP BY person_id`,
    `CREATE VIEW sessions AS
     WITH activity AS (
       SELECT person_id, event_id, event_time, type, properties,
              CASE WHEN lag(event_time) OVER w IS NULL
                     OR epoch_ms(event_time) - epoch_ms(lag(event_time) OVER w) > ${Math.round(s.sessionTimeoutMs)}
                   THEN 1 ELSE 0 END AS starts
       FROM events WHERE event NOT IN ('identify', 'alias', 'group')
       WINDOW w AS (PARTITION BY person_id ORDER BY event_time, event_id)
     ), numbered AS (
       SELECT *, sum(starts) OVER (PARTITION BY person_id ORDER BY event_time, event_id ROWS UNBOUNDED PRECEDING) AS session
       FROM activity
     )
     SELECT person_id, session::INTEGER AS session, min(event_time) AS started_at, max(event_time) AS ended_at,
            count(*) AS events, count(*) FILTER (WHERE type IN ('page', 'screen')) AS pages,
            arg_min(json_extract_string(properties, '$.path'), event_time)
              FILTER (WHERE type IN ('page', 'screen')) AS entry_page
     FROM numbered GROUP BY person_id, session`,
  ];
}
