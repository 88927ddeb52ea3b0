import type { Server } from 'node:http';
import { Partitioners, type Kafka } from 'kafkajs';
import { WriteKeyStore } from '../core/auth/write-keys';
import { ReloadingDropList } from '../core/erasure/drop-list';
import { ErasureStore } from '../core/erasure/erasure-store';
import { MetadataStore } from '../core/metadata/store';
import type { Config } from '../core/config';
import type { Logger } from '../core/log';
import { BatchingKafkaSink } from './batching-sink';
import { HotKeySalter } from './hot-keys';
import { createStandardPipeline } from './pipeline';
import { RateLimiter } from './rate-limiter';
import { createIngestServer } from './server';

/** Builds the collector's services from configuration: producer, sink, pipeline, keys, limiter. */
export async function createIngestService(
  config: Config,
  kafka: Kafka,
  log: Logger,
): Promise<{ server: Server; salter: HotKeySalter; close(): Promise<void> }> {
  const newProducer = async () => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Unbounded, as the idempotent producer needs (see BatchingKafkaSink); callers get 503 on time.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    await producer.connect();
    return producer;
  };
  // Keys come from PostgreSQL (a key file of earlier versions is imported once); an unreachable
  // store stops the role at start with one line. Once loaded, keys keep answering without it.
  const metadata = await MetadataStore.open(config.metadata.url);
  let keys: WriteKeyStore | undefined;
  let dropList: ReloadingDropList;
  try {
    keys = await WriteKeyStore.open(metadata, config.auth.writeKeysFile);
    dropList = await ReloadingDropList.open(new ErasureStore(metadata), config.erasure.dropListRefreshMs);
  } catch (e) {
    keys?.close();
    await metadata.close();
    throw e;
  }
  const resolver = keys;
  const salter = new HotKeySalter();
  const sink = new BatchingKafkaSink(
    await newProducer(),
    config.kafka.topics,
    salter,
    {
      maxEvents: config.ingest.maxBatchEvents,
      lingerMs: config.ingest.lingerMs,
      ackTimeoutMs: config.ingest.ackTimeoutMs,
      maxPending: 200_000,
    },
    newProducer,
  );
  const server = createIngestServer({
    sink,
    keys: resolver,
    pipeline: createStandardPipeline(config.ingest.ipHashKey),
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
      await sink.drain();
      await sink.currentProducer.disconnect();
      resolver.close();
      dropList.close();
      await metadata.close();
    },
  };
}
