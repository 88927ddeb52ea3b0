import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { jsonProblem } from '../core/values/json-shape';
import { HttpError } from './http-error';

/** How deep a batch may nest: the batch, an event, its properties, and 29 levels inside them. */
export const MAX_BODY_DEPTH = 32;

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Reads a request body up to `limit` bytes (after decompression) and parses it as JSON.
 * Oversized bodies get 413, bad encodings 415, bad JSON 400: the caller can act on each.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body: unknown; invalidUtf8: boolean }> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (!['identity', 'gzip', 'deflate'].includes(encoding)) {
    throw new HttpError(415, `unsupported Content-Encoding '${encoding}': send identity, gzip or deflate`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Compressed bodies are bounded on the wire too, so a zip bomb cannot make us buffer gigabytes.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new HttpError(413, `request body is larger than ${limit} bytes: send smaller batches`);
    chunks.push(chunk);
  }
  let raw = Buffer.concat(chunks);
  if (encoding !== 'identity') {
    try {
      const decode = encoding === 'gzip' ? gunzipAsync : inflateAsync;
      raw = await decode(raw, { maxOutputLength: limit + 1 });
    } catch (e) {
      if (
        (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
        /larger than|maxOutputLength/i.test(String(e))
      ) {
        throw new HttpError(413, `decompressed body is larger than ${limit} bytes: send smaller batches`);
      }
      throw new HttpError(400, `body is not valid ${encoding} data`);
    }
    if (raw.length > limit)
      throw new HttpError(413, `decompressed body is larger than ${limit} bytes: send smaller batches`);
  }
  // Invalid UTF-8 in one event must not cost the valid events beside it: decode with
  // replacement characters and let the pipeline quarantine the events that hold one.
  let decoded: string;
  let invalidUtf8 = false;
  try {
    decoded = strictUtf8.decode(raw);
  } catch {
    decoded = lenientUtf8.decode(raw);
    invalidUtf8 = true;
  }
  let body: unknown;
  try {
    body = JSON.parse(decoded);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  // Nesting past any real event's would overflow the stack of what serializes it later, and that
  // failure would read as the event store being down (a 503 the SDK retries for ever).
  const problem = jsonProblem(body, { root: 'body', maxDepth: MAX_BODY_DEPTH });
  if (problem) throw new HttpError(400, problem.problem);
  return { body, invalidUtf8 };
}
