import cluster from 'node:cluster';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../core/clickhouse/client';
import type { Config } from '../core/config/config';
import { UserFacingError } from '../core/errors';
import { createKafka, ensureTopics, kafkaReachable } from '../core/kafka/client';
import type { Logger } from '../core/log';
import { startLakeArchiver } from '../batch-layer/lake-archiver';
import { openLake } from '../core/lake/open-lake';
import { LakeUnavailableError } from '../core/lake/storage';
import { createIngestService } from '../ingest/ingest-service';
import { applyClickHouseSchema } from '../speed-layer/schema';
import { speedConsumerConfig, startSpeedConsumer } from '../speed-layer/speed-consumer';
import { startSpeedMaintenanceWorker } from '../workflows/workers/speed-maintenance-worker';
import { SpeedEraser } from '../speed-layer/speed-eraser';
import { startServingApi } from '../serving-layer/server';
import { startReportWorker } from '../serving-layer/reports/report-worker';
import { startBatchWorker } from '../workflows/workers/batch-worker';
import { assertPortFree } from '../infra/local/ports';
import { startOpsServer } from '../core/ops/ops-server';
import { watchConsumerLag } from '../core/ops/consumer-lag';

export const ROLES = ['ingest', 'speed', 'archiver', 'worker', 'serve'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningRoles {
  urls: { ingest?: string; api?: string; ops?: string };
  stop(): Promise<void>;
  /** What `stop` is waiting on now (a role's part), for a shutdown that takes too long to say so. */
  stopping(): string | undefined;
}

export function parseRoles(args: string[]): Role[] {
  const list = args.flatMap((a) => a.split(',')).filter(Boolean);
  if (list.length === 0 || list.includes('all')) return [...ROLES];
  for (const r of list) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new UserFacingError(`unknown role '${r}'`, `roles are: ${ROLES.join(', ')}, all`);
    }
  }
  return list as Role[];
}

/**
 * Starts the given roles in this process. Roles that use embedded ClickHouse (speed, serve) share
 * one chDB instance: chDB binds its data directory to a single process.
 */
export async function startRoles(roles: Role[], config: Config, log: Logger): Promise<RunningRoles> {
  const stops: { what: string; fn: () => Promise<void> }[] = [];
  let current: string | undefined;
  const urls: RunningRoles['urls'] = {};
  const kafka = createKafka(config, log);
  let clickhouse: ClickHouseClient | undefined;
  const ch = async () => {
    if (!clickhouse) {
      clickhouse = createClickHouse(config);
      await applyClickHouseSchema(clickhouse, config.clickhouse.database);
      const client = clickhouse;
      stops.push({ what: 'ClickHouse (chDB) client', fn: () => client.close() });
    }
    return clickhouse;
  };
  // The lake is checked once, before any role uses it: a missing bucket or a wrong key is one line.
  const lake = openLake(config.lake);
  if (roles.some((r) => r !== 'ingest')) {
    try {
      await lake.check();
    } catch (e) {
      if (e instanceof LakeUnavailableError) throw new UserFacingError(e.message, e.hint);
      throw e;
    }
  }
  const stop = async () => {
    for (const s of stops.reverse()) {
      current = s.what;
      await s.fn().catch((e: unknown) => log.warn('stop failed', { what: s.what, error: String(e) }));
    }
    current = undefined;
  };
  try {
    // Cluster workers' metrics stay in each worker: only a lone process or the primary listens.
    if (cluster.isPrimary) {
      const ops = await startOpsServer(config.ops);
      urls.ops = ops.url;
      stops.push({ what: 'ops server', fn: ops.close });
    }
    if (roles.some((r) => r !== 'worker' && r !== 'serve')) {
      await kafkaReachable(config, log);
      await ensureTopics(kafka, config);
    }
    if (roles.includes('speed')) {
      for (let i = 0; i < config.speed.consumers; i++) {
        const c = await startSpeedConsumer(speedConsumerConfig(config), {
          kafka,
          clickhouse: await ch(),
          log: log.child({ role: 'speed', consumer: i }),
        });
        stops.push({ what: `speed consumer ${i}`, fn: c.stop });
      }
      stops.push({
        what: 'speed lag watch',
        fn: watchConsumerLag(kafka, config.kafka.groups.speed, [config.kafka.topics.events]),
      });
      // The speed view's maintenance (erasures) runs here, beside the consumers it pauses.
      const maintenance = startSpeedMaintenanceWorker({
        config,
        eraser: new SpeedEraser(await ch(), config.clickhouse.database),
        log: log.child({ role: 'speed' }),
      });
      stops.push({ what: 'speed maintenance worker (Temporal)', fn: maintenance.stop });
    }
    if (roles.includes('archiver')) {
      const a = await startLakeArchiver(
        {
          topic: config.kafka.topics.events,
          quarantineTopic: config.kafka.topics.quarantine,
          groupId: config.kafka.groups.archiver,
          deadLetterTopic: config.kafka.topics.deadletter,
          lake,
          maxWaitMs: config.lake.fetchWaitMs,
          sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        },
        { kafka, log: log.child({ role: 'archiver' }) },
      );
      stops.push({ what: 'lake archiver', fn: a.stop });
      stops.push({
        what: 'archiver lag watch',
        fn: watchConsumerLag(kafka, config.kafka.groups.archiver, [
          config.kafka.topics.events,
          config.kafka.topics.quarantine,
        ]),
      });
    }
    if (roles.includes('worker')) {
      const w = await startBatchWorker(
        {
          ...config.temporal,
          lake,
          engines: {
            default: config.batch.engine,
            bigquery: config.batch.bigquery,
            httpfs: config.lake.httpfs,
            failpoints: config.failpoints,
          },
          erasure: {
            metadataUrl: config.metadata.url,
            kafka,
            topic: config.kafka.topics.events,
            groups: [config.kafka.groups.speed, config.kafka.groups.archiver],
            dropMs: config.erasure.dropMs,
            failpoints: config.failpoints,
            log: (msg, fields) => log.warn(msg, { role: 'worker', ...fields }),
          },
          exports: { settings: config.lake, failpoints: config.failpoints },
          schedules: config.temporal.schedules
            ? {
                taskQueue: config.temporal.taskQueue,
                repairSpec: { intervals: [{ every: `${config.temporal.repairEverySeconds}s` }] },
              }
            : false,
        },
        log.child({ role: 'worker' }),
      );
      stops.push({ what: 'batch worker (Temporal activities in flight)', fn: w.stop });
    }
    if (roles.includes('serve')) {
      if (config.api.port !== 0) await assertPortFree(config.api.port, 'serving API', 'API_PORT');
      const { app, url, metrics, quality, insights } = await startServingApi(
        { config, clickhouse: await ch() },
        config.api,
      );
      urls.api = url;
      stops.push({ what: 'serving API', fn: () => app.close() });
      const reports = await startReportWorker({
        config,
        metrics,
        log: log.child({ role: 'serve' }),
        overrides: {
          quality,
          insights: { definition: async (p, id) => (await insights.get(p, id))?.definition },
        },
      });
      stops.push({ what: 'report worker (Temporal)', fn: reports.stop });
    }
    if (roles.includes('ingest')) {
      // Cluster workers share the port through the primary: only a lone process checks it.
      if (config.ingest.port !== 0 && cluster.isPrimary)
        await assertPortFree(config.ingest.port, 'ingest', 'INGEST_PORT');
      const ingest = await createIngestService(config, log.child({ role: 'ingest' }));
      const server = ingest.server;
      await listen(server, config.ingest.port, config.ingest.host, 'INGEST_PORT');
      const port = (server.address() as { port: number }).port;
      urls.ingest = `http://${config.ingest.host}:${port}`;
      stops.push({ what: 'ingest (requests in flight, producer flush)', fn: ingest.close });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { urls, stop, stopping: () => current };
}

function listen(
  server: import('node:http').Server,
  port: number,
  host: string,
  envVar: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UserFacingError(
              `port ${port} is already in use`,
              `stop the program holding it or set ${envVar}`,
            )
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}
