import type { InsightStore } from './insights/insight-store';
import type { Request, Response } from 'express';
import { apiRequests, apiRequestSeconds } from '../core/ops/operational-metrics';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { inputBoundary } from './input-boundary';
import { answerSizeLimit } from './auth/answer-size';
import { earlyRateLimit } from './auth/early-limit';
import { withQueryBudget } from '../core/lake/query-budget';
import { securityHeaders } from './security-headers';
import type { INestApplication } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config/config';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { openServingDeps } from './serving-deps';
import type { MetricQuery } from './query/metric-query';
import { openApiDocument } from './openapi';
import { QueryErrorsFilter } from './query-errors.filter';
import { MetadataErrorsFilter } from './metadata-errors.filter';
import type { QualityQuery } from './quality/quality-query';
import type { Server } from 'node:http';
import { createLogger } from '../core/log';
import { LiveFeed } from './live/live-feed';
import { ServingShutdown } from './shutdown';
import { mountWebApp } from './web-app';
import { SpeedViewReader } from './views/speed-view-reader';

/**
 * Starts the serving API; `port` 0 picks a free port (tests). Returns the listening app, and the
 * query core, quality reader and insight store the report worker shares with it (the runner
 * starts that worker).
 */
export async function startServingApi(
  given: { config: Config; clickhouse: ClickHouseClient },
  listen: { host: string; port: number },
): Promise<{
  app: INestApplication;
  url: string;
  metrics: MetricQuery;
  quality: QualityQuery;
  insights: InsightStore;
}> {
  const opened = await openServingDeps(given.config, given.clickhouse);
  const { deps } = opened;
  // Made once the HTTP server exists (below); closed before it closes.
  const live: { feed?: LiveFeed } = {};
  const shutdown = new ServingShutdown({
    beforeServerCloses: () => live.feed?.close(),
    afterServerClosed: async () => {
      // A snapshot still being read would otherwise reach the engines as they close.
      await live.feed?.settled();
      await opened.close();
    },
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ ...deps, shutdown }), {
    logger: ['error', 'warn'],
    // JSON bodies only: a form posted from another site is never parsed into an object (and
    // `a[0]=x` never becomes nested data).
    bodyParser: false,
  });
  app.useBodyParser('json');
  app.use(securityHeaders);
  app.use(inputBoundary);
  app.use(answerSizeLimit(deps.config.access.maxAnswerBytes));
  // Every request's queries share its time budget; past it the engines stop them.
  app.use((_req: Request, _res: Response, next: () => void) =>
    withQueryBudget(deps.config.access.queryTimeoutMs, next),
  );
  // No Nest shutdown hooks: the role runner stops the app on SIGINT/SIGTERM (./platform run, up),
  // and Nest's hooks would raise the signal again after closing, killing the process mid-stop.
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
  app.use(earlyRateLimit(deps.config.auth.jwtSecret, deps.revoked, deps.limits));
  app.useGlobalFilters(new QueryErrorsFilter(), new MetadataErrorsFilter());
  live.feed = new LiveFeed(
    app.getHttpServer() as Server,
    {
      config: deps.config,
      access: { sessions: deps.sessions, revoked: deps.revoked, members: deps.members },
      speed: new SpeedViewReader(
        deps.clickhouse,
        deps.config.clickhouse.database,
        !deps.config.clickhouse.url,
      ),
      activePersons: async (project, from, to) =>
        (
          await deps.metrics.query({
            metric: 'active_users',
            project,
            range: { from, to },
            granularity: 'minute',
          })
        ).value,
      log: createLogger({ role: 'serve' }),
    },
    deps.config.live,
  );
  mountWebApp(app);
  // Swagger UI and the document, served from the installed package (no CDN).
  SwaggerModule.setup('docs', app, openApiDocument(), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.listen(listen.port, listen.host);
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://${listen.host}:${address.port}`,
    metrics: deps.metrics,
    quality: deps.quality,
    insights: deps.insights,
  };
}
