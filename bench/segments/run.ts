/**
 * bench/segments: a segment-filtered dashboard query (page views per day of the users who were
 * "pro" and had bought in the last 7 days when they viewed) over the lake, beside bare DuckDB
 * doing the same point-in-time aggregation (an ASOF join for the trait, a range test for the
 * behaviour) over the same files in one query.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/segments/run.ts      (BENCH_USERS=100000 BENCH_EVENTS_PER_USER=10)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsEvent } from '../../core/events/event';
import { LocalStorage } from '../../core/lake/local-storage';
import { IdentityGraph } from '../../core/persons/identity';
import { metricByName, type MetricDefinition } from '../../core/metric-catalog/catalog';
import { SegmentSchema } from '../../core/segments/definition';
import { sealedLayers } from '../lib/sealed-layers';
import { SegmentQuery } from '../../serving-layer/query/segment-query';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { trackEvent, writeLake } from '../../test/helpers/lake';
import { fmt, sideBySide, sideBySideTable } from '../lib/stats';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const PER_USER = Number(process.env.BENCH_EVENTS_PER_USER ?? 10);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-segments-'));
  const start = Math.floor(Date.now() / DAY) * DAY - 14 * DAY;
  let seq = 0;
  say(`writing ${fmt(USERS)} users, ${fmt(USERS * PER_USER)} events over 14 days into a lake...`);
  for (let from = 0; from < USERS; from += 20_000) {
    const events: AnalyticsEvent[] = [];
    for (let i = from; i < Math.min(USERS, from + 20_000); i++) {
      const userId = `u-${i}`;
      const first = start + ((i * 7919) % (3 * DAY));
      const identify = (at: number, plan: string): AnalyticsEvent => ({
        ...trackEvent({
          eventId: `e-${seq++}`,
          projectId: 'bench',
          event: 'identify',
          userId,
          at,
          properties: {},
        }),
        type: 'identify',
        properties: { traits: { plan, country: i % 4 === 0 ? 'FR' : 'DE' } },
      });
      events.push(identify(first, i % 3 === 0 ? 'pro' : 'free'));
      // A third of the free users upgrade half way.
      if (i % 3 === 1) events.push(identify(first + 5 * DAY, 'pro'));
      for (let k = 2; k < PER_USER; k++) {
        const at = first + ((k * 104_729_000 + i * 31_000) % (11 * DAY));
        events.push(
          (i + k) % 5 === 0
            ? trackEvent({
                eventId: `e-${seq++}`,
                projectId: 'bench',
                event: 'purchase',
                userId,
                at,
                properties: { total_amount: 10, currency: 'EUR' },
              })
            : trackEvent({
                eventId: `e-${seq++}`,
                projectId: 'bench',
                event: 'page',
                userId,
                at,
                properties: { path: `/p/${k}` },
              }),
        );
      }
    }
    await writeLake(root, events, `part-${from}`);
  }
  const lake = new LocalStorage(root);
  const range = { from: new Date(start), to: new Date(start + 14 * DAY) };
  const segment = SegmentSchema.parse({
    id: 'pro-buyers',
    condition: {
      and: [
        { trait: 'plan', op: 'equals', value: 'pro' },
        { event: 'purchase', inLastDays: 7 },
      ],
    },
  });
  const reader = new RawEventReader(undefined as never, 'unused', lake);
  // The query core's layer plan, faked: the whole range is sealed (the lake answers all of it);
  // each run reads afresh (a new stamp), as the first request after a publish does.
  // Persons as the query core knows them: the lake's identify and alias calls (none here).
  const graph = IdentityGraph.of(
    await reader.identityCalls({ project: 'bench', from: new Date(0), split: range.to, to: range.to }),
  );
  const { layers, moved } = sealedLayers(range.to);
  const segments = new SegmentQuery(layers, reader, { graph: async () => graph });
  const def = metricByName('page_views') as MetricDefinition;
  const ours = async () => {
    moved();
    const a = await segments.metric({
      def,
      project: 'bench',
      range,
      granularity: 'day',
      scope: { segments: [segment], breakdown: false },
      groupBy: false,
    });
    return a.buckets.map((b) => [b.start.slice(0, 10), b.value]);
  };
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const glob = join(root, 'events', '**', '*.parquet');
  const bare = async () =>
    (
      await duck.runAndReadAll(
        `WITH ev AS (SELECT any_value(actor_id) AS actor, any_value(event) AS event, any_value(type) AS type,
                            min(event_time) AS t, any_value(properties) AS props
                     FROM read_parquet('${glob}') GROUP BY event_id),
              tr AS (SELECT actor, t, json_extract_string(props, '$.traits.plan') AS plan FROM ev WHERE type = 'identify'),
              pu AS (SELECT actor, t FROM ev WHERE event = 'purchase'),
              pv AS (SELECT actor, t FROM ev WHERE event = 'page' AND t >= TIMESTAMP '${range.from.toISOString().slice(0, 19)}'
                       AND t < TIMESTAMP '${range.to.toISOString().slice(0, 19)}'),
              j AS (SELECT pv.actor, pv.t, tr.plan FROM pv ASOF LEFT JOIN tr ON pv.actor = tr.actor AND pv.t >= tr.t)
         SELECT strftime(date_trunc('day', t), '%Y-%m-%d') AS d, count(*)::INTEGER FROM j
         WHERE plan = 'pro' AND EXISTS (SELECT 1 FROM pu WHERE pu.actor = j.actor AND pu.t <= j.t AND pu.t > j.t - INTERVAL 7 DAY)
         GROUP BY d ORDER BY d`,
      )
    ).getRowsJson();
  const m = await sideBySide(ours, bare);
  sideBySideTable(
    say,
    {
      sizes: `${fmt(USERS)} / ${fmt(USERS * PER_USER)}`,
      ours: 'segment-filtered page views per day (read traits + behaviour + events, evaluate)',
      bare: 'bare DuckDB, same point-in-time aggregation in one query',
      agree: 'per-day answers agree with bare DuckDB',
    },
    m,
    JSON.stringify(m.oursAnswer) === JSON.stringify(m.bareAnswer),
  );
  say(
    `command: node node_modules/tsx/dist/cli.mjs bench/segments/run.ts  (BENCH_USERS=${USERS} BENCH_EVENTS_PER_USER=${PER_USER})`,
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
