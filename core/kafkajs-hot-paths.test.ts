import './kafkajs-hot-paths';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition, kafkajsHotPathsActive, recordBatchChecksum } from './kafkajs-hot-paths';

/** Loads kafkajs' original implementation of a module from its file, beside the replacement. */
function original<T>(path: string): T {
  const filename = require.resolve(path);
  const module = { exports: {} as T };
  const fn = vm.runInThisContext(
    `(function (exports, require, module) {${readFileSync(filename, 'utf8')}\n})`,
  ) as (e: unknown, r: (p: string) => unknown, m: { exports: T }) => void;
  // The module's own require, resolving from its folder.
  const ownRequire = createRequire(filename);
  fn(module.exports, (p: string) => ownRequire(p) as unknown, module);
  return module.exports;
}

describe('kafkajs hot paths', () => {
  it('are what kafkajs uses', () => {
    expect(kafkajsHotPathsActive()).toBe(true);
  });

  it('group messages per partition exactly like the original', () => {
    const originalGroup = original<typeof groupMessagesPerPartition>(
      'kafkajs/src/producer/groupMessagesPerPartition.js',
    );
    const partitionMetadata = Array.from({ length: 5 }, (_, i) => ({ partitionId: i, leader: 0 }));
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `k${i % 37}`, value: `v${i}` }));
    const args = { topic: 't', partitionMetadata, messages, partitioner: Partitioners.DefaultPartitioner() };
    expect(groupMessagesPerPartition(args as never)).toEqual(originalGroup(args as never));
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] } as never)).toEqual({});
  });

  it('compute the record batch CRC-32C exactly like the original', () => {
    const originalCrc = original<(b: Buffer) => number>('kafkajs/src/protocol/recordBatch/crc32C/index.js');
    for (const b of [
      Buffer.alloc(0),
      Buffer.from('123456789'),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)),
    ]) {
      expect(recordBatchChecksum(b)).toBe(originalCrc(b));
    }
    expect(recordBatchChecksum(Buffer.from('123456789'))).toBe(0xe3069283); // the CRC-32C check value
  });
});
