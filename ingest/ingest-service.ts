import type { Server } from 'node:http';
import { WriteKeyStore } from '../core/auth/write-keys';
import { ReloadingDropList } from '../core/erasure/drop-list';
import { ErasureStore } from '../core/erasure/erasure-store';
import { MetadataStore } from '../core/metadata/store';
import type { Config } from '../core/config/config';
import type { Logger } from '../core/log';
import { LibrdkafkaSink } from './librdkafka-sink';
import { HotKeySalter } from './hot-keys';
import { createStandardPipeline } from './pipeline';
import { geoDirOf, openGeoDatabase } from './geo';
import { RateLimiter } from './rate-limiter';
import { createIngestServer } from './server';

/** Builds the collector's services from configuration: producer, sink, pipeline, keys, limiter. */
export async function createIngestService(
  config: Config,
  log: Logger,
): Promise<{ server: Server; salter: HotKeySalter; close(): Promise<void> }> {
  // Keys come from PostgreSQL (a key file of earlier versions is imported once); an unreachable
  // store stops the role at start with one line. Once loaded, keys keep answering without it.
  const metadata = await MetadataStore.open(config.metadata.url);
  let keys: WriteKeyStore | undefined;
  let dropList: ReloadingDropList;
  try {
    keys = await WriteKeyStore.open(metadata);
    dropList = await ReloadingDropList.open(new ErasureStore(metadata), config.erasure.dropListRefreshMs);
  } catch (e) {
    keys?.close();
    await metadata.close();
    throw e;
  }
  const resolver = keys;
  const salter = new HotKeySalter();
  let sink: LibrdkafkaSink;
  try {
    sink = await LibrdkafkaSink.open(
      config,
      salter,
      {
        maxEvents: config.ingest.maxBatchEvents,
        lingerMs: config.ingest.lingerMs,
        ackTimeoutMs: config.ingest.ackTimeoutMs,
        maxPending: 200_000,
      },
      log,
    );
  } catch (e) {
    resolver.close();
    dropList.close();
    await metadata.close();
    throw e;
  }
  const geo = openGeoDatabase(geoDirOf(config.ingest.geoipDir));
  log.info(`places of client addresses: ${geo.description}`);
  const server = createIngestServer({
    sink,
    keys: resolver,
    pipeline: createStandardPipeline(config.ingest.ipHashKey, geo),
    limiter: new RateLimiter(config.ingest.rateLimit, config.ingest.rateLimit * 2),
    trustProxy: config.ingest.trustProxy,
    dropList,
    log,
  });
  return {
    server,
    salter,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await sink.close();
      resolver.close();
      dropList.close();
      await metadata.close();
    },
  };
}
