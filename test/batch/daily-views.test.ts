import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import { Engines } from '../../batch-layer/engines';
import type { AnalyticsEvent } from '../../core/events/event';
import { dayViewKey, hourViewKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { publishDay, publishHour, readDayPointer, readHourPointer } from '../../core/lake/views';
import { BatchViewReader } from '../../serving-layer/views/batch-view-reader';
import type { SeriesQuery } from '../../serving-layer/views/series';
import { createActivities } from '../../workflows/activities';
import { trackEvent, writeLake } from '../helpers/lake';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Whole days of a day-bucketed range come from the daily view while it holds exactly the hours'
 * views in force, and from the hourly views otherwise: the answers are the same either way, and a
 * repaired hour makes its day's rolled-up view stale until it is rolled up again.
 */
describe('daily views in the serving layer', () => {
  it('answers whole days from a current daily view, and never from a stale one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'daily-views-'));
    const lake = new LocalStorage(root);
    const project = 'daily';
    const start = Date.UTC(2026, 9, 5);
    const events: AnalyticsEvent[] = [];
    // Two whole days and half of a third: each hour a few events, by a few users.
    for (let h = 0; h < 60; h++)
      for (let i = 0; i < 3 + (h % 5); i++)
        events.push(
          trackEvent({
            eventId: `e-${h}-${i}`,
            projectId: project,
            event: 'signup',
            userId: `u${(h * 7 + i) % 23}`,
            at: start + h * HOUR + i * 60_000,
            properties: {},
          }),
        );
    await writeLake(root, events);
    const engine = await DuckDbEngine.open(lake);
    const publish = async (hour: string, version: string) => {
      const view = await engine.hourView({ hour: new Date(hour), dir: hourViewKey(hour), version });
      await publishHour(lake, { hour, version, ...view, computedAt: new Date().toISOString() });
    };
    for (let h = 0; h < 72; h++) await publish(new Date(start + h * HOUR).toISOString(), 'v1');
    const activities = createActivities({ engines: new Engines(lake, { default: 'duckdb' }), lake });
    // Run as Temporal runs an activity (it names its view's version by its attempt).
    const rollupDay = (day: string) => new MockActivityEnvironment().run(activities.rollupDay, day);
    const [day1, day2] = [0, 1].map((d) => new Date(start + d * DAY).toISOString().slice(0, 10)) as [
      string,
      string,
    ];
    for (const day of [day1, day2]) expect(await rollupDay(day)).toEqual({ day, hours: 24 });
    expect(Object.keys((await readDayPointer(lake, day1))?.hourVersions ?? {})).toHaveLength(24);

    // A cold day-bucketed range: each whole day vouched for by its pointer and hours stamp, no
    // hour pointer of those days read; the half day's 12 hours are.
    const hourPointersRead: string[] = [];
    const counted = new (class extends LocalStorage {
      override read(k: string) {
        if (k.startsWith('views/hourly/') && k.endsWith('/current.json')) hourPointersRead.push(k);
        return super.read(k);
      }
    })(root);
    const reader = await BatchViewReader.open(counted);
    const q = (granularity: SeriesQuery['granularity']): SeriesQuery => ({
      project,
      metric: 'events',
      from: new Date(start),
      to: new Date(start + 60 * HOUR),
      granularity,
      groupBy: false,
    });
    const perDay = (cells: { bucket: number; count: number }[]) => {
      const out = new Map<number, number>();
      for (const c of cells) {
        const d = Math.floor(c.bucket / DAY) * DAY;
        out.set(d, (out.get(d) ?? 0) + c.count);
      }
      return [...out].sort((a, b) => a[0] - b[0]);
    };
    const truth = perDay(events.map((e) => ({ bucket: Date.parse(e.timestamp), count: 1 })));
    expect(perDay(await reader.measures(q('day')))).toEqual(truth);
    expect(hourPointersRead).toHaveLength(12);
    expect(
      hourPointersRead.every((k) =>
        k.includes(`date=${new Date(start + 2 * DAY).toISOString().slice(0, 10)}`),
      ),
    ).toBe(true);
    // The serving layer's plan asks which hours have a view: the vouched days answer for theirs.
    hourPointersRead.length = 0;
    const planReader = await BatchViewReader.open(counted);
    const views = await planReader.hourViews(new Date(start), new Date(start + 60 * HOUR));
    const hourIso = (h: number) => new Date(start + h * HOUR).toISOString();
    expect(Array.from({ length: 60 }, (_, h) => views.published(hourIso(h)))).toEqual(Array(60).fill(true));
    expect(hourPointersRead).toHaveLength(12);
    expect((await views.pointer(hourIso(5)))?.version).toBe('v1');
    planReader.close();
    expect(perDay(await reader.measures(q('hour')))).toEqual(truth);
    // Unique users per day: the same registers from the day's view as from its hours.
    const byDay = { ...q('day'), metric: 'active_users' };
    const registers = (cells: { bucket: number; reg: number; rank: number }[]) =>
      cells.map((c) => `${c.bucket}:${c.reg}:${c.rank}`).sort();
    const fromDays = registers(await reader.registers(byDay));
    const maxByDay = new Map<string, number>();
    for (const c of await reader.registers({ ...byDay, granularity: 'hour' })) {
      const k = `${Math.floor(c.bucket / DAY) * DAY}:${c.reg}`;
      maxByDay.set(k, Math.max(maxByDay.get(k) ?? 0, c.rank));
    }
    expect(fromDays.length).toBeGreaterThan(0);
    expect(fromDays).toEqual([...maxByDay].map(([k, rank]) => `${k}:${rank}`).sort());

    // The day's view is what is read: a view that says 999 for day 1 is answered as 999...
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const forged = 'measures-forged.parquet';
    await conn.run(
      `COPY (SELECT '${project}' AS project_id, TIMESTAMP '${day1} 00:00:00' AS day, 'events' AS metric, 'signup' AS dim,
              999::UBIGINT AS count, 0::DOUBLE AS sum) TO '${join(root, ...dayViewKey(day1).split('/'), forged)}' (FORMAT parquet)`,
    );
    conn.closeSync();
    const pointer = (await readDayPointer(lake, day1))!;
    await publishDay(lake, { ...pointer, version: 'forged', measures: forged });
    expect(perDay(await reader.measures(q('day')))[0]).toEqual([start, 999]);
    // ...also when an hour is published again as the same version (its stamp changes, the
    // versions it rolled up are still in force)...
    await publish(new Date(start + 7 * HOUR).toISOString(), 'v1');
    expect(perDay(await reader.measures(q('day')))[0]).toEqual([start, 999]);
    // ...until one of its hours is published as another: the day is stale, its hours answer.
    await publish(new Date(start + 5 * HOUR).toISOString(), 'v2');
    expect(perDay(await reader.measures(q('day')))).toEqual(truth);
    // Rolled up again, the day is read again (and holds the truth).
    await rollupDay(day1);
    expect((await readDayPointer(lake, day1))?.hourVersions?.[new Date(start + 5 * HOUR).toISOString()]).toBe(
      'v2',
    );
    expect(perDay(await reader.measures(q('day')))).toEqual(truth);
    expect(registers(await reader.registers(byDay))).toEqual(fromDays);
    expect(await readHourPointer(lake, new Date(start + 5 * HOUR).toISOString())).toMatchObject({
      version: 'v2',
    });
    engine.close();
    reader.close();
  }, 120_000);
});
