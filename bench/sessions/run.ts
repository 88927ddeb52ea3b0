/**
 * bench/sessions: sessions per day over 30 days of a lake (sessions, bounces, average and median
 * duration, pages per session: GET /v1/sessions), beside bare DuckDB computing the same sessions
 * with window functions over the same files in one query.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/sessions/run.ts      (BENCH_USERS=50000 BENCH_EVENTS_PER_USER=20)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsEvent } from '../../core/events/event';
import { LocalStorage } from '../../core/lake/local-storage';
import { IdentityGraph } from '../../core/persons/identity';
import { noSegments, sealedLayers } from '../lib/sealed-layers';
import { SessionQuery } from '../../serving-layer/query/session-query';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { trackEvent, writeLake } from '../../test/helpers/lake';
import { fmt, sideBySide, sideBySideTable } from '../lib/stats';

const USERS = Number(process.env.BENCH_USERS ?? 50_000);
const PER_USER = Number(process.env.BENCH_EVENTS_PER_USER ?? 20);
const MINUTE = 60_000;
const DAY = 86_400_000;
const DAYS = 30;
const TIMEOUT = 30 * MINUTE;

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-sessions-'));
  const start = Math.floor(Date.now() / DAY) * DAY - (DAYS + 2) * DAY;
  let seq = 0;
  say(`writing ${fmt(USERS)} people, ${fmt(USERS * PER_USER)} events over ${DAYS} days into a lake...`);
  for (let from = 0; from < USERS; from += 10_000) {
    const events: AnalyticsEvent[] = [];
    for (let i = from; i < Math.min(USERS, from + 10_000); i++) {
      // Visits of a few events minutes apart, on days spread over the month: some of one event.
      let at = start + ((i * 7919) % DAY);
      for (let k = 0; k < PER_USER; k++) {
        at +=
          (i + k) % 4 === 0
            ? ((i * 104_729 + k * 7_919) % (3 * DAY)) + TIMEOUT + MINUTE
            : ((i + k) % 7) * 3 * MINUTE;
        events.push(
          trackEvent({
            eventId: `e-${seq++}`,
            projectId: 'bench',
            event: (i + k) % 3 === 0 ? 'add_to_cart' : 'page',
            userId: `u-${i}`,
            at: Math.min(at, start + (DAYS + 1) * DAY),
            properties: { path: `/p/${k % 9}` },
          }),
        );
      }
    }
    await writeLake(root, events, `part-${from}`);
  }
  const lake = new LocalStorage(root);
  const range = { from: new Date(start), to: new Date(start + DAYS * DAY) };
  const reader = new RawEventReader(undefined as never, 'unused', lake);
  // The query core's layer plan, faked: everything is sealed (the lake answers all of it).
  // Persons as the query core knows them: the lake's identify and alias calls (none here).
  const graph = IdentityGraph.of(
    await reader.identityCalls({ project: 'bench', from: new Date(0), split: range.to, to: range.to }),
  );
  const { layers } = sealedLayers(range.to);
  const sessions = new SessionQuery(layers, reader, {
    timeoutMs: TIMEOUT,
    segments: noSegments,
    persons: { graph: async () => graph },
  });
  const ours = async () => {
    const a = await sessions.sessions({ project: 'bench', range, granularity: 'day', limit: 10 });
    return a.buckets.map((b) => [b.start.slice(0, 10), b.sessions, b.bounces]);
  };
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const glob = join(root, 'events', '**', '*.parquet');
  const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`;
  const bare = async () =>
    (
      await duck.runAndReadAll(
        `WITH ev AS (SELECT any_value(actor_id) AS actor, min(event_time) AS t, any_value(event) AS event
                     FROM read_parquet('${glob}') GROUP BY event_id),
              a AS (SELECT * FROM ev WHERE event NOT IN ('identify', 'alias', 'group')
                      AND t >= ${ts(range.from.getTime() - TIMEOUT)} AND t < ${ts(range.to.getTime() + DAY)}),
              s AS (SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY actor ORDER BY t) <= INTERVAL 30 MINUTE
                                   THEN 0 ELSE 1 END AS starts FROM a),
              n AS (SELECT *, sum(starts) OVER (PARTITION BY actor ORDER BY t ROWS UNBOUNDED PRECEDING) AS sid FROM s),
              g AS (SELECT actor, sid, min(t) AS st, max(t) AS en, count(*) AS events,
                           count(*) FILTER (WHERE event IN ('page', 'screen')) AS pages FROM n GROUP BY actor, sid)
         SELECT strftime(date_trunc('day', st), '%Y-%m-%d') AS d, count(*)::INTEGER, (count(*) FILTER (WHERE events = 1))::INTEGER
         FROM g WHERE st >= ${ts(range.from.getTime())} AND st < ${ts(range.to.getTime())}
         GROUP BY d ORDER BY d`,
      )
    ).getRowsJson();
  const m = await sideBySide(ours, bare);
  sideBySideTable(
    say,
    {
      sizes: `${fmt(USERS)} / ${fmt(USERS * PER_USER)}`,
      ours: 'sessions per day over 30 days (read events, cut, figures)',
      bare: 'bare DuckDB, the same sessions with window functions in one query',
      agree: 'sessions and bounces per day agree with bare DuckDB',
    },
    m,
    JSON.stringify(m.oursAnswer) === JSON.stringify(m.bareAnswer),
  );
  say(
    `command: node node_modules/tsx/dist/cli.mjs bench/sessions/run.ts  (BENCH_USERS=${USERS} BENCH_EVENTS_PER_USER=${PER_USER})`,
  );
  reader.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
