import type { Request, Response } from 'express';
import {
  apiRequests,
  apiRequestSeconds,
  onRepairBacklogScrape,
  onWatermarkScrape,
} from '../core/ops/operational-metrics';
import { LateHoursIndex, viewHolds } from '../core/lake/late-markers';
import { openLake } from '../core/lake/open-lake';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { inputBoundary } from './input-boundary';
import { securityHeaders } from './security-headers';
import type { INestApplication } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config/config';
import { SwaggerModule } from '@nestjs/swagger';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { ReportSchedules } from '../workflows/report-schedules';
import { AppModule } from './app.module';
import { openApiDocument } from './openapi';
import { QueryErrorsFilter } from './query-errors.filter';
import { MetadataErrorsFilter } from './metadata-errors.filter';
import { ErasureStore } from '../core/erasure/erasure-store';
import { ErasureRequests } from '../workflows/erasure-requests';
import { MetadataStore } from '../core/metadata/store';
import { DashboardStore } from './dashboards/dashboard-store';
import { Sessions } from '../core/auth/sessions';
import { UserSettings } from '../core/auth/user-settings';
import { RevokedTokens } from '../core/auth/revoked-tokens';
import { ExperimentStore } from './experiments/experiment-store';
import { SegmentStore } from './segments/segment-store';
import { exportQualityMetrics } from './quality/quality-metrics';
import { QualityQuery } from './quality/quality-query';
import type { Server } from 'node:http';
import { createLogger } from '../core/log';
import { LiveFeed } from './live/live-feed';
import { ServingShutdown } from './shutdown';
import { mountWebApp } from './web-app';
import { SpeedViewReader } from './views/speed-view-reader';
import { BatchViewReader } from './views/batch-view-reader';
import { RawEventReader } from './views/raw-event-reader';
import { temporalConnectionOptions } from '../core/temporal/connection';

/** Starts the serving API; `port` 0 picks a free port (tests). Returns the listening app. */
export async function startServingApi(
  deps: { config: Config; clickhouse: ClickHouseClient },
  listen: { host: string; port: number },
): Promise<{ app: INestApplication; url: string }> {
  const lake = openLake(deps.config.lake);
  const batch = await BatchViewReader.open(lake);
  // The watermark's lag at every scrape of this process (none before the first sealed hour).
  const stopWatermarkLag = onWatermarkScrape(async (set) => {
    const end = await batch.watermarkEnd();
    if (end) set({ lake: lake.uri('') }, Math.max(0, (Date.now() - end.getTime()) / 1000));
  });
  const lateHours = new LateHoursIndex(lake);
  // Pending as the layer plan judges it: a marker whose events the hour's view already holds
  // (the archiver got there before the seal) is waiting for nothing.
  const stopRepairBacklog = onRepairBacklogScrape(async (set) => {
    let pending = 0;
    for (const [k, ranges] of await lateHours.hours()) {
      const hour = new Date(k.slice(k.indexOf('|') + 1));
      const pointer = (await batch.pointers(hour, new Date(hour.getTime() + 3_600_000)))(hour.toISOString());
      if (ranges.some((r) => !viewHolds(pointer?.archived, r))) pending++;
    }
    set({ lake: lake.uri('') }, pending);
  });
  const raw = new RawEventReader(deps.clickhouse, deps.config.clickhouse.database, lake);
  const quality = new QualityQuery(lake);
  // The last complete hour's data quality, as gauges (computed at most every five minutes).
  const stopQualityMetrics = exportQualityMetrics(quality, lake);
  // Lazy: the API starts (and answers queries) while Temporal is down; report routes then say 503.
  const temporal = new Client({
    connection: Connection.lazy({
      ...temporalConnectionOptions(deps.config.temporal),
      connectTimeout: 3000,
      // A caller waits on these requests: a few quick retries, not the SDK's default of ten.
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
    }),
    namespace: deps.config.temporal.namespace,
  });
  const reports = new ReportSchedules(temporal, {
    taskQueue: deps.config.temporal.taskQueue,
    activityTaskQueue: deps.config.reports.taskQueue,
  });
  // PostgreSQL holds the dashboards: an unreachable one stops the role at start with one line.
  const metadata = await MetadataStore.open(deps.config.metadata.url);
  const dashboards = new DashboardStore(metadata);
  const sessions = new Sessions(metadata);
  const settings = new UserSettings(metadata);
  const revoked = await new RevokedTokens(metadata).start();
  const experiments = new ExperimentStore(metadata);
  const segments = new SegmentStore(metadata);
  // Made once the HTTP server exists (below); closed before it closes.
  const live: { feed?: LiveFeed } = {};
  const shutdown = new ServingShutdown({
    beforeServerCloses: () => live.feed?.close(),
    afterServerClosed: async () => {
      // A snapshot still being read would otherwise reach the engines as they close.
      await live.feed?.settled();
      stopWatermarkLag();
      stopRepairBacklog();
      stopQualityMetrics();
      batch.close();
      raw.close();
      quality.close();
      await temporal.connection.close();
      revoked.close();
      await metadata.close();
    },
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      ...deps,
      batch,
      raw,
      reports,
      dashboards,
      sessions,
      settings,
      revoked,
      experiments,
      segments,
      quality,
      erasures: new ErasureRequests(new ErasureStore(metadata), temporal, deps.config),
      shutdown,
    }),
    {
      logger: ['error', 'warn'],
      // JSON bodies only: a form posted from another site is never parsed into an object (and
      // `a[0]=x` never becomes nested data).
      bodyParser: false,
    },
  );
  app.useBodyParser('json');
  app.use(securityHeaders);
  app.use(inputBoundary);
  app.enableShutdownHooks();
  // Requests by route pattern (/v1/metrics/:name), never by raw path: the label stays bounded.
  app.use((req: Request, res: Response, next: () => void) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'other';
      apiRequests.inc({ route, status: String(res.statusCode) });
      apiRequestSeconds.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });
  app.useGlobalFilters(new QueryErrorsFilter(), new MetadataErrorsFilter());
  live.feed = new LiveFeed(
    app.getHttpServer() as Server,
    {
      config: deps.config,
      access: { sessions, revoked },
      speed: new SpeedViewReader(
        deps.clickhouse,
        deps.config.clickhouse.database,
        !deps.config.clickhouse.url,
      ),
      log: createLogger({ role: 'serve' }),
    },
    deps.config.live,
  );
  mountWebApp(app);
  // Swagger UI and the document, served from the installed package (no CDN).
  SwaggerModule.setup('docs', app, openApiDocument(), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.listen(listen.port, listen.host);
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://${listen.host}:${address.port}` };
}
