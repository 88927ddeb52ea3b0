import type { ClickHouseClient } from '@clickhouse/client';
import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { hourViewKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { publishHour } from '../../core/lake/views';
import { advanceWatermark } from '../../core/lake/watermark';
import { aggregateBatch } from '../../speed-layer/aggregate';
import { RAW_COLUMNS, toRawRow } from '../../speed-layer/rows';
import { writeLake } from './lake';

/**
 * Puts events where the pipeline would: into the speed view (raw rows, which its materialized
 * views aggregate) and the lake, then seals `sealHours` (ISO hour starts, in order) as the batch layer does, moving the
 * watermark. For tests about what reads the views, not about how they are written.
 */
export async function seedViews(
  config: Config,
  clickhouse: ClickHouseClient,
  events: AnalyticsEvent[],
  sealHours: string[],
): Promise<void> {
  await addSpeedEvents(config, clickhouse, events);
  await writeLake(config.lake.root, events);
  const lake = new LocalStorage(config.lake.root);
  const engine = await DuckDbEngine.open(lake);
  try {
    for (const hour of sealHours) {
      const view = await engine.hourView({ hour: new Date(hour), dir: hourViewKey(hour), version: 'v1' });
      await publishHour(lake, { hour, version: 'v1', ...view, computedAt: new Date().toISOString() });
      await advanceWatermark(lake, hour);
    }
  } finally {
    engine.close();
  }
}

/** Adds events to the speed view's minute aggregates only (as a consumer that kept duplicates would). */
export async function addSpeedAggregates(
  config: Config,
  clickhouse: ClickHouseClient,
  events: AnalyticsEvent[],
): Promise<void> {
  const db = config.clickhouse.database;
  const { measures, uniques } = aggregateBatch(events);
  await clickhouse.insert({ table: `${db}.speed_uniques_minute`, values: uniques, format: 'JSONEachRow' });
  await clickhouse.insert({ table: `${db}.speed_measures_minute`, values: measures, format: 'JSONEachRow' });
}

/** Adds events to the speed view's raw rows as the speed consumer writes them (its views aggregate them). */
export async function addSpeedEvents(
  config: Config,
  clickhouse: ClickHouseClient,
  events: AnalyticsEvent[],
): Promise<void> {
  await clickhouse.insert({
    table: `${config.clickhouse.database}.speed_events`,
    values: events.map((event, i) => toRawRow({ event, topic: 't', partition: 0, offset: String(i) })),
    columns: [...RAW_COLUMNS],
    format: 'JSONCompactEachRow',
  });
}
