import type { Batch, Consumer, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ExactlyOnceRanges, type RangeState } from './ranges';
import { createLogger } from '../log';

/** What a transactional producer throws once its own retries are spent while the broker is down. */
class NonRetriable extends Error {
  readonly retriable = false;
}

describe('ExactlyOnceRanges', () => {
  it('fails a range it could not write with an error kafkajs retries and restarts on', async () => {
    const consumer = {
      on: () => {},
      events: { GROUP_JOIN: 'join', CRASH: 'crash' },
      commitOffsets: async () => {},
    };
    const saved: RangeState[] = [];
    const handler = new ExactlyOnceRanges({
      consumer: consumer as unknown as Consumer,
      store: { load: async () => undefined, save: async (_t, _p, s) => void saved.push(s) },
      sink: {
        write: async () => {
          throw new NonRetriable('Connection error: connect ECONNREFUSED');
        },
        forget: () => {},
      },
      log: createLogger({ test: 'kafka-ranges' }, 'error'),
    }).eachBatch;
    const messages = [{ offset: '0' }, { offset: '1' }] as KafkaMessage[];
    const batch = { topic: 't', partition: 0, messages, lastOffset: () => '1' } as unknown as Batch;
    const run = handler({
      batch,
      heartbeat: async () => {},
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: () => {},
    });
    const error = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as { retriable?: boolean; cause?: unknown } | undefined;
    expect(error?.retriable).toBe(true);
    expect(error?.cause).toBeInstanceOf(NonRetriable);
    // Nothing was recorded as written: the range stays 'before', to be rebuilt on redelivery.
    expect(saved.map((s) => s.phase)).toEqual(['before']);
  });
});
