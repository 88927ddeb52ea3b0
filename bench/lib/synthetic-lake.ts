import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { partitionKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { quoteLiteral } from '../../batch-layer/sql-literal';

/**
 * Writes one hour of synthetic events into the lake's partition, as the archiver would: the
 * catalog's event kinds (half page views, video, product views, purchases), 200,000 users, 500
 * content items, 1,000 products. `salt` keeps event ids distinct across hours.
 */
export async function writeSyntheticHour(
  conn: DuckDBConnection,
  lake: string,
  project: string,
  hourStart: number,
  n: number,
  salt: number,
): Promise<void> {
  const iso = new Date(hourStart).toISOString();
  const dir = new LocalStorage(lake).uri(
    partitionKey('events', {
      projectId: project,
      date: iso.slice(0, 10),
      hour: iso.slice(11, 13),
    }),
  );
  mkdirSync(dir, { recursive: true });
  await conn.run(
    `COPY (
      SELECT 'e' || ($h::BIGINT * 100000000 + i) AS event_id, $project AS project_id,
        CASE WHEN i % 10 < 5 THEN 'page' ELSE 'track' END AS type,
        CASE i % 10 WHEN 0 THEN 'page' WHEN 1 THEN 'page' WHEN 2 THEN 'page' WHEN 3 THEN 'page' WHEN 4 THEN 'page'
                    WHEN 5 THEN 'video_play' WHEN 6 THEN 'video_progress' WHEN 7 THEN 'video_complete'
                    WHEN 8 THEN 'product_view' ELSE 'purchase' END AS event,
        'u' || (hash(i) % 200000) AS user_id, NULL::VARCHAR AS anonymous_id, 'u' || (hash(i) % 200000) AS actor_id,
        make_timestamp(($start::BIGINT + (i * 3600000 // $n)) * 1000) AS event_time,
        make_timestamp(($start::BIGINT + (i * 3600000 // $n) + 500) * 1000) AS received_at,
        CASE i % 10 WHEN 5 THEN '{"content_id":"c' || (i % 500) || '","duration_seconds":600}'
                    WHEN 6 THEN '{"content_id":"c' || (i % 500) || '","watch_time_seconds":30,"duration_seconds":600}'
                    WHEN 7 THEN '{"content_id":"c' || (i % 500) || '"}'
                    WHEN 8 THEN '{"product_id":"p' || (i % 1000) || '","price":9.5}'
                    WHEN 9 THEN '{"order_id":"o' || i || '","total_amount":19,"currency":"EUR","products":[{"product_id":"p' || (i % 1000) || '","category":"k' || (i % 20) || '","price":9.5,"quantity":2}]}'
                    ELSE '{"path":"/p' || (i % 300) || '"}' END AS properties,
        '{}' AS context, 'events' AS kafka_topic, 0 AS kafka_partition, i AS kafka_offset
      FROM range($n) t(i)
    ) TO ${quoteLiteral(join(dir, 'part-bench.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
    { h: salt, project, start: hourStart, n },
  );
}
