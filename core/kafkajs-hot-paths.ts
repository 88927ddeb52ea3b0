/**
 * Two measured hot spots of kafkajs 2.2.4 (pinned; the project is no longer maintained), replaced
 * before kafkajs loads them:
 *
 * - groupMessagesPerPartition copies the partition's array for every message
 *   (`[...current, message]`): quadratic in the batch size;
 * - the record batch checksum (CRC-32C) is computed byte by byte in JavaScript.
 *
 * The replacements return exactly what the originals return (a test compares them on the same
 * input), so the bytes on the wire are unchanged. Must be imported before anything imports
 * kafkajs: the entry points (CLI, tests, benchmarks) import it first.
 */
import Module from 'node:module';
import { crc32c } from '@node-rs/crc32';

type Message = { partition?: number };
type GroupArgs = {
  topic: string;
  partitionMetadata: unknown[];
  messages: Message[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;
};

export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs) {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

export const recordBatchChecksum = (buffer: Buffer): number => crc32c(buffer) >>> 0;

const REPLACEMENTS: Record<string, unknown> = {
  'kafkajs/src/producer/groupMessagesPerPartition.js': groupMessagesPerPartition,
  'kafkajs/src/protocol/recordBatch/crc32C/index.js': recordBatchChecksum,
};

let installed = false;

export function installKafkajsHotPaths(): void {
  if (installed) return;
  installed = true;
  for (const [request, replacement] of Object.entries(REPLACEMENTS)) {
    const filename = require.resolve(request);
    if (require.cache[filename]) {
      throw new Error(
        `kafkajs was loaded before its hot paths were replaced (${request}): import core/kafkajs-hot-paths first`,
      );
    }
    const m = new Module(filename);
    m.filename = filename;
    m.loaded = true;
    m.exports = replacement;
    require.cache[filename] = m;
  }
}

/** True when kafkajs uses the replacements (checked by a test). */
export function kafkajsHotPathsActive(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- inspecting the loader's cache is the point
  return Object.entries(REPLACEMENTS).every(([request, fn]) => require(request) === fn);
}

installKafkajsHotPaths();
