/**
 * bench/experiments: an experiment's results over the lake (the part before the watermark), beside
 * bare DuckDB computing the same per-variation aggregates over the same files in one query.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/experiments/run.ts      (BENCH_USERS=100000 BENCH_EVENTS_PER_USER=10)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { assignUser } from '../../core/experiments/assignment';
import { ExperimentSchema } from '../../core/experiments/definition';
import { experimentResults, type MetricRow } from '../../core/experiments/results';
import type { AnalyticsEvent } from '../../core/events/event';
import { LocalStorage } from '../../core/lake/local-storage';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { trackEvent, writeLake } from '../../test/helpers/lake';
import { fmt, longestStall, sideBySide, sideBySideTable } from '../lib/stats';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const PER_USER = Number(process.env.BENCH_EVENTS_PER_USER ?? 10);
const HOUR = 3_600_000;

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-experiments-'));
  const start = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
  const experiment = ExperimentSchema.parse({
    id: 'bench',
    variations: [
      { id: 'a', weight: 0.5 },
      { id: 'b', weight: 0.5 },
    ],
    start: new Date(start).toISOString(),
    goals: [{ kind: 'conversion', event: 'purchase' }],
    guardrails: [{ kind: 'mean', metric: 'revenue' }],
    conversionWindowHours: 24,
  });
  // Users exposed over 4 hours; each with page views around it and, for some, purchases.
  let seq = 0;
  const ev = (userId: string, name: string, at: number, properties: Record<string, unknown>) =>
    trackEvent({ eventId: `e-${seq++}`, projectId: 'bench', event: name, userId, at, properties });
  say(`writing ${fmt(USERS)} users, ${fmt(USERS * PER_USER)} events into a lake...`);
  for (let from = 0; from < USERS; from += 20_000) {
    const events: AnalyticsEvent[] = [];
    for (let i = from; i < Math.min(USERS, from + 20_000); i++) {
      const userId = `u-${i}`;
      const at = start + 2 * HOUR + ((i * 7919) % (4 * HOUR));
      const a = assignUser(experiment, userId);
      events.push(
        ev(userId, 'Experiment Viewed', at, { experiment_id: 'bench', variation_id: a.variationId }),
      );
      for (let k = 1; k < PER_USER; k++) {
        const t = at + (k - PER_USER / 2) * 10 * 60_000;
        events.push(
          (i + k) % 9 === 0
            ? ev(userId, 'purchase', t, {
                order_id: `o-${i}-${k}`,
                total_amount: ((i * k) % 9000) / 100,
                currency: 'EUR',
              })
            : ev(userId, 'page', t, { path: `/p/${k}` }),
        );
      }
    }
    await writeLake(root, events, `part-${from}`);
  }
  const lake = new LocalStorage(root);
  const from = new Date(start - 24 * HOUR);
  const to = new Date(start + 30 * HOUR);

  // Ours: the route's reading (lake side) and computation.
  const reader = new RawEventReader(undefined as never, 'unused', lake);
  const ours = async () => {
    const exposures = (
      await reader.propertyEvents(
        { project: 'bench', from, split: to, to },
        { events: ['Experiment Viewed'], props: ['experiment_id', 'variation_id'] },
      )
    ).map(([actor, , at, , v]) => ({ actor, at, variation: JSON.parse(v ?? '""') as string }));
    const purchases = await reader.propertyEvents(
      { project: 'bench', from, split: to, to },
      { events: ['purchase'], props: ['total_amount'] },
    );
    const conv: MetricRow[] = purchases.map(([actor, , at]) => ({ actor, at, value: 1 }));
    const revenue: MetricRow[] = purchases.map(([actor, , at, raw]) => ({ actor, at, value: Number(raw) }));
    return experimentResults(experiment, exposures, [conv, revenue], {
      alpha: 0.05,
      cuped: true,
      sequentialTuning: undefined,
    });
  };
  // Bare DuckDB: the same aggregates (first exposure, purchases in the window after it) in one query.
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const glob = join(root, 'events', '**', '*.parquet');
  const bare = async () =>
    (
      await duck.runAndReadAll(
        `WITH ev AS (SELECT any_value(actor_id) AS actor, any_value(event) AS event, min(event_time) AS t,
                            any_value(properties) AS props FROM read_parquet('${glob}') GROUP BY event_id),
              x AS (SELECT actor, min(t) AS t, arg_min(json_extract_string(props, '$.variation_id'), t) AS v
                    FROM ev WHERE event = 'Experiment Viewed' GROUP BY actor),
              u AS (SELECT x.actor, x.v, count(p.actor) AS conv, coalesce(sum(CAST(json_extract(p.props, '$.total_amount') AS DOUBLE)), 0) AS rev
                    FROM x LEFT JOIN ev p ON p.actor = x.actor AND p.event = 'purchase' AND p.t >= x.t AND p.t < x.t + INTERVAL 24 HOUR
                    GROUP BY x.actor, x.v)
         SELECT v, count(*), sum(CASE WHEN conv > 0 THEN 1 ELSE 0 END), sum(rev), sum(rev * rev) FROM u GROUP BY v ORDER BY v`,
      )
    ).getRowsJson();
  const m = await sideBySide(ours, bare);
  const r = m.oursAnswer;
  const b = m.bareAnswer as unknown[][];
  const check = r.variations.map((v) => v.users).join('/') === b.map((row) => String(row[1])).join('/');
  sideBySideTable(
    say,
    {
      sizes: `${fmt(USERS)} / ${fmt(USERS * PER_USER)}`,
      ours: 'results (read + compute)',
      bare: 'bare DuckDB, same aggregates in one query',
      agree: 'users per variation agree with bare DuckDB',
    },
    m,
    check,
  );
  // What the other requests of the serving process wait at worst while one results request runs.
  const stall = await longestStall(ours);
  say(`| longest event-loop stall during one results run, ms | ${fmt(stall.stallMs)} |`);
  say(`| stall / that run's time | ${fmt(stall.stallMs / stall.ms, 2)} |`);
  say(
    `command: node node_modules/tsx/dist/cli.mjs bench/experiments/run.ts  (BENCH_USERS=${USERS} BENCH_EVENTS_PER_USER=${PER_USER})`,
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
