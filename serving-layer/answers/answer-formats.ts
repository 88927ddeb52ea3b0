import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RecordBatch, Schema } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { ArrowStreamPieces, batchOf } from './arrow-batches';

/** What a caller may ask answers as, by Accept. */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
export const PARQUET = 'application/vnd.apache.parquet';

export type AnswerFormat = 'json' | 'arrow' | 'parquet';

/**
 * The format an Accept header asks for: Arrow or Parquet when named (the one with the higher
 * q, Arrow on a tie), JSON otherwise, as every route answers without one.
 */
export function formatOf(accept: string | undefined): AnswerFormat {
  if (!accept) return 'json';
  let best: { format: AnswerFormat; q: number } = { format: 'json', q: 0 };
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const format: AnswerFormat | undefined =
      type === ARROW_STREAM ? 'arrow' : type === PARQUET ? 'parquet' : undefined;
    if (!format) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > best.q) best = { format, q };
  }
  return best.format;
}

/** The media type an answer of the format is sent as. */
export const mediaTypeOf = (f: Exclude<AnswerFormat, 'json'>) => (f === 'arrow' ? ARROW_STREAM : PARQUET);

/**
 * An answer's batches as the bytes of an Arrow IPC stream or a Parquet file, produced as the
 * reader asks for them: a batch is read from its source only when the previous one has gone out,
 * so a large answer never sits whole in this process.
 */
export async function encodedStream(
  format: Exclude<AnswerFormat, 'json'>,
  schema: Schema,
  batches: AsyncIterable<RecordBatch>,
): Promise<Readable> {
  const pieces = new ArrowStreamPieces(schema);
  if (format === 'arrow')
    return Readable.from(
      (async function* () {
        yield pieces.head();
        for await (const b of batches) yield pieces.batch(b);
        yield ArrowStreamPieces.end();
      })(),
      { objectMode: false },
    );
  // parquet-wasm writes Parquet from its own record batches: each batch crosses as Arrow IPC,
  // the format both sides read. An answer with no rows still carries its schema.
  const source = batches[Symbol.asyncIterator]();
  let sent = 0;
  const wasmBatch = (b: RecordBatch) => {
    const table = parquet.Table.fromIPCStream(
      concat([pieces.head(), pieces.batch(b), ArrowStreamPieces.end()]),
    );
    try {
      // The batch shares the table's buffers (reference counted): the table's own WebAssembly
      // memory is given back now rather than when the garbage collector gets to it.
      return table.recordBatch(0)!;
    } finally {
      table.free();
    }
  };
  const input = new ReadableStream({
    async pull(controller) {
      const next = await source.next();
      if (!next.done) {
        sent++;
        controller.enqueue(wasmBatch(next.value));
        return;
      }
      if (sent === 0) controller.enqueue(wasmBatch(batchOf(schema, [])));
      controller.close();
    },
    async cancel() {
      await source.return?.();
    },
  });
  const bytes = (await parquet.transformParquetStream(input)) as WebReadableStream<Uint8Array>;
  return Readable.fromWeb(bytes);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
