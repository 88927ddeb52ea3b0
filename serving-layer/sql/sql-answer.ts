import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { DuckDBTypeId, type DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { arrowTypeOf, batchOfChunk, epochMsOf, schemaOf } from '../answers/arrow-batches';
import { encodedStream, mediaTypeOf, type AnswerFormat } from '../answers/answer-formats';
import { BadQueryError } from '../query/errors';
import { rowsOf, type SqlSandbox, type SqlColumn } from './sql-sandbox';
import type { SqlParts } from './sql-query';

const INTEGERS = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.UINTEGER,
]);
const TIMES = new Set([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);

/**
 * A value of the JSON answer: integers as numbers (as text past 2^53, where a JSON number would
 * round), decimals as numbers, times as ISO-8601 in UTC; the rest as DuckDB gives it.
 */
export function jsonValueOf(type: DuckDBType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (INTEGERS.has(type.typeId)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : String(v);
  }
  if (type.typeId === DuckDBTypeId.DECIMAL) return Number(v);
  if (TIMES.has(type.typeId) && typeof v === 'string') {
    const ms = epochMsOf(v);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : v;
  }
  return v;
}

/** What one SQL run came to, for its history entry. */
export interface SqlOutcome {
  rows: number;
}

/**
 * Told what the run came to once every row is read and before the answer's last byte leaves, so
 * a caller that has the whole answer finds its history entry finished.
 */
export type OnAllRead = (outcome: SqlOutcome) => Promise<void>;

/**
 * Runs the statement in its sandbox and sends the answer in the format asked:
 * - JSON: `{ columns, rows, rowCount, range, parts, watermark }`, built as rows come and refused
 *   with a 400 once past `maxBytes` (saying to ask for Arrow or Parquet, which stream);
 * - Arrow IPC stream or Parquet: streamed batch by batch as DuckDB reads, the layers in the
 *   schema's metadata (`lambda.parts`, `lambda.watermark`, `lambda.range`) and in the
 *   `X-Answer-Parts` header.
 * The sandbox is closed when the answer is sent or fails; `onAllRead` is awaited before the answer
 * ends.
 */
export async function sendSqlAnswer(
  res: Response,
  format: AnswerFormat,
  sandbox: SqlSandbox,
  statement: string,
  parts: SqlParts,
  maxBytes: number,
  onAllRead: OnAllRead,
): Promise<SqlOutcome> {
  try {
    const prepared = await sandbox.prepare(statement);
    const { columns, chunks } = await sandbox.run(prepared);
    if (format === 'json') return await sendJson(res, columns, chunks, parts, maxBytes, onAllRead);
    let rows = 0;
    const schema = schemaOf(
      columns.map((c) => ({ name: c.name, type: arrowTypeOf(c.type) })),
      {
        'lambda.parts': JSON.stringify(parts.parts),
        'lambda.watermark': parts.watermark ?? '',
        'lambda.range': JSON.stringify(parts.range),
      },
    );
    async function* batches(): AsyncGenerator<RecordBatch> {
      const types = columns.map((c) => c.type);
      for await (const chunk of chunks) {
        rows += chunk.rowCount;
        yield batchOfChunk(schema, types, chunk);
      }
      await onAllRead({ rows });
    }
    const body = await encodedStream(format, schema, batches());
    res.status(200);
    res.setHeader('content-type', mediaTypeOf(format));
    res.setHeader('x-answer-parts', JSON.stringify(parts.parts));
    if (format === 'parquet') res.setHeader('content-disposition', 'attachment; filename="answer.parquet"');
    try {
      await pipeline(body, res);
    } catch (e) {
      // Past the headers a failure cannot become a 400: the stream is cut, so a reader sees an
      // incomplete answer rather than a short one taken for whole.
      res.destroy();
      throw e;
    }
    return { rows };
  } finally {
    sandbox.close();
  }
}

async function sendJson(
  res: Response,
  columns: SqlColumn[],
  chunks: AsyncGenerator<DuckDBDataChunk>,
  parts: SqlParts,
  maxBytes: number,
  onAllRead: OnAllRead,
): Promise<SqlOutcome> {
  const rows: unknown[][] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    for (const r of rowsOf(chunk)) {
      const row = r.map((v, i) => jsonValueOf(columns[i]!.type, v));
      bytes += JSON.stringify(row).length + 1;
      rows.push(row);
    }
    if (bytes > maxBytes) {
      await chunks.return(undefined);
      throw new BadQueryError(
        `the answer is over ${Math.round(maxBytes / 1e6)} MB as JSON (API_MAX_ANSWER_BYTES): ask for it as Arrow (Accept: application/vnd.apache.arrow.stream) or Parquet (Accept: application/vnd.apache.parquet), which stream, or add a LIMIT`,
      );
    }
  }
  await onAllRead({ rows: rows.length });
  res.status(200).json({
    columns: columns.map((c) => ({ name: c.name, type: c.type.toString() })),
    rows,
    rowCount: rows.length,
    ...parts,
  });
  return { rows: rows.length };
}
