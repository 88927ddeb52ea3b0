/**
 * bench/persons: active persons per day and sessions per day (a person's, all their ids) over 30
 * days of a lake where every person browses anonymously, signs in (identify), comes back signed
 * in, and one in five signs in on a second device; beside bare DuckDB answering the same from the
 * same files, persons taken from the identify calls with a join.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/persons/run.ts      (BENCH_PERSONS=1000000: 10 events each)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsEvent } from '../../core/events/event';
import { IdentityGraph } from '../../core/persons/identity';
import { LocalStorage } from '../../core/lake/local-storage';
import { noSegments, sealedLayers } from '../lib/sealed-layers';
import { SessionQuery } from '../../serving-layer/query/session-query';
import { uniquePersons } from '../../serving-layer/query/unique-persons';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { trackEvent, writeLake } from '../../test/helpers/lake';
import { fmt, sideBySide, sideBySideTable } from '../lib/stats';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 1_000_000);
const MINUTE = 60_000;
const DAY = 86_400_000;
const DAYS = 30;
const TIMEOUT = 30 * MINUTE;

/** One person's ten calls: three anonymous, a sign-in, three signed in a day later, three more. */
function personEvents(i: number, start: number, seq: () => string): AnalyticsEvent[] {
  const day0 = (i * 7919) % (DAYS - 3);
  const t0 = start + day0 * DAY + ((i * 104_729) % (DAY - 2 * 3_600_000));
  const e = (at: number, who: { userId?: string; anonymousId?: string }, event: string) => {
    const base = trackEvent({
      eventId: seq(),
      projectId: 'bench',
      event,
      userId: who.userId ?? '',
      at,
      properties: { path: `/p/${(i + at) % 7}` },
    });
    return {
      ...base,
      userId: who.userId ?? null,
      anonymousId: who.anonymousId ?? null,
      ...(event === 'identify' ? { type: 'identify' as const } : {}),
    };
  };
  const device = { anonymousId: `d-${i}` };
  const user = { userId: `u-${i}` };
  const out = [
    e(t0, device, 'page'),
    e(t0 + 3 * MINUTE, device, 'page'),
    e(t0 + 5 * MINUTE, device, 'product_view'),
    e(t0 + 6 * MINUTE, { ...user, ...device }, 'identify'),
    e(t0 + DAY, user, 'page'),
    e(t0 + DAY + 4 * MINUTE, user, 'page'),
    e(t0 + DAY + 50 * MINUTE, user, 'page'),
  ];
  if (i % 5 === 0) {
    // A second device: browsing anonymously, then signing in there too.
    const second = { anonymousId: `d2-${i}` };
    out.push(
      e(t0 + 2 * DAY, second, 'page'),
      e(t0 + 2 * DAY + 2 * MINUTE, second, 'page'),
      e(t0 + 2 * DAY + 3 * MINUTE, { ...user, ...second }, 'identify'),
    );
  } else
    out.push(
      e(t0 + 2 * DAY, user, 'page'),
      e(t0 + 2 * DAY + 2 * MINUTE, user, 'product_view'),
      e(t0 + 3 * DAY, user, 'page'),
    );
  return out;
}

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-persons-'));
  const start = Math.floor(Date.now() / DAY) * DAY - (DAYS + 2) * DAY;
  let n = 0;
  const seq = () => `e-${n++}`;
  say(`writing ${fmt(PERSONS)} persons, ${fmt(PERSONS * 10)} events over ${DAYS} days into a lake...`);
  // A slice of persons at a time, every event written to its hour's folder.
  const SLICE = 100_000;
  for (let from = 0; from < PERSONS; from += SLICE) {
    const events: AnalyticsEvent[] = [];
    for (let i = from; i < Math.min(PERSONS, from + SLICE); i++) events.push(...personEvents(i, start, seq));
    await writeLake(root, events, `part-${from}`);
    say(`  ${fmt(Math.min(PERSONS, from + SLICE))} persons written`);
  }
  const lake = new LocalStorage(root);
  const range = { from: new Date(start), to: new Date(start + DAYS * DAY) };
  const reader = new RawEventReader(undefined as never, 'unused', lake);
  const everything = { project: 'bench', from: new Date(0), split: range.to, to: range.to };
  const buildGraph = async () => IdentityGraph.of(await reader.identityCalls(everything));
  let graph = await buildGraph();
  // The query core's layers, faked: everything is sealed (the lake answers all of it).
  const { layers } = sealedLayers(range.to);
  const people = { graph: async () => graph };
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const glob = join(root, 'events', '**', '*.parquet');
  const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`;
  // Bare DuckDB's persons: each anonymous id belongs to the user of its first identify call.
  const persons = `persons AS (SELECT 'anon:' || anonymous_id AS id, arg_min(user_id, event_time) AS person
                   FROM read_parquet('${glob}') WHERE type = 'identify' AND anonymous_id IS NOT NULL GROUP BY 1)`;

  // 1. Active persons per day.
  const active = async (cold: boolean) => {
    if (cold) graph = await buildGraph();
    const a = await uniquePersons(
      { layers, raw: reader, graph: async () => graph },
      { project: 'bench', range, granularity: 'day' },
    );
    return a.buckets.map((b) => [b.start.slice(0, 10), b.value] as const);
  };
  const bareActive = async () =>
    (
      await duck.runAndReadAll(
        `WITH ${persons}
         SELECT strftime(date_trunc('day', e.event_time), '%Y-%m-%d') AS d,
                count(DISTINCT coalesce(p.person, e.actor_id))::INTEGER
         FROM read_parquet('${glob}') e LEFT JOIN persons p ON p.id = e.actor_id
         WHERE e.event_time >= ${ts(range.from.getTime())} AND e.event_time < ${ts(range.to.getTime())}
         GROUP BY d ORDER BY d`,
      )
    ).getRowsJson() as [string, number][];
  // HLL estimates: each day within four standard errors (0.8 % each) of the exact count.
  const close = (ours: readonly (readonly [string, number])[], bare: [string, number][]) =>
    ours.length === bare.length &&
    ours.every(([d, v], k) => d === bare[k]?.[0] && Math.abs(v - bare[k]![1]) <= 0.033 * bare[k]![1] + 2);
  for (const cold of [true, false]) {
    const m = await sideBySide(() => active(cold), bareActive);
    sideBySideTable(
      say,
      {
        sizes: `${fmt(PERSONS)} persons / ${fmt(n)} events`,
        ours: `active persons per day over 30 days (${cold ? 'identity graph built from the lake, then ' : 'graph cached, '}ids per day read, mapped, sketched)`,
        bare: 'bare DuckDB, count(DISTINCT person) per day with a join to identify calls',
        agree: 'every day within 3.3 % of the exact count (HLL, 0.8 % standard error)',
      },
      m,
      close(m.oursAnswer, m.bareAnswer),
    );
  }

  // 2. Sessions per day, a person's (all their ids): two devices interleaving are one visit.
  const sessions = new SessionQuery(layers, reader, {
    timeoutMs: TIMEOUT,
    segments: noSegments,
    persons: people,
  });
  const oursSessions = async () => {
    const a = await sessions.sessions({ project: 'bench', range, granularity: 'day', limit: 10 });
    return a.buckets.map((b) => [b.start.slice(0, 10), b.sessions, b.bounces]);
  };
  const bareSessions = async () =>
    (
      await duck.runAndReadAll(
        `WITH ${persons},
              ev AS (SELECT any_value(actor_id) AS actor, min(event_time) AS t, any_value(event) AS event
                     FROM read_parquet('${glob}') GROUP BY event_id),
              a AS (SELECT coalesce(p.person, ev.actor) AS actor, t, event FROM ev LEFT JOIN persons p ON p.id = ev.actor
                    WHERE event NOT IN ('identify', 'alias', 'group')
                      AND t >= ${ts(range.from.getTime() - TIMEOUT)} AND t < ${ts(range.to.getTime() + DAY)}),
              s AS (SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY actor ORDER BY t) <= INTERVAL 30 MINUTE
                                   THEN 0 ELSE 1 END AS starts FROM a),
              n AS (SELECT *, sum(starts) OVER (PARTITION BY actor ORDER BY t ROWS UNBOUNDED PRECEDING) AS sid FROM s),
              g AS (SELECT actor, sid, min(t) AS st, count(*) AS events FROM n GROUP BY actor, sid)
         SELECT strftime(date_trunc('day', st), '%Y-%m-%d') AS d, count(*)::INTEGER, (count(*) FILTER (WHERE events = 1))::INTEGER
         FROM g WHERE st >= ${ts(range.from.getTime())} AND st < ${ts(range.to.getTime())}
         GROUP BY d ORDER BY d`,
      )
    ).getRowsJson();
  const s = await sideBySide(oursSessions, bareSessions);
  sideBySideTable(
    say,
    {
      sizes: `${fmt(PERSONS)} persons / ${fmt(n)} events`,
      ours: "sessions per day over 30 days, per person (graph cached; each engine's cut with the joined ids bound)",
      bare: 'bare DuckDB, the same sessions per person with a join and window functions',
      agree: 'sessions and bounces per day agree with bare DuckDB',
    },
    s,
    JSON.stringify(s.oursAnswer) === JSON.stringify(s.bareAnswer),
  );
  say(`command: node node_modules/tsx/dist/cli.mjs bench/persons/run.ts  (BENCH_PERSONS=${PERSONS})`);
  reader.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
