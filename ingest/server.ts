import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { WriteKeyStore } from '../core/auth/write-keys';
import type { Logger } from '../core/log';
import { readJsonBody } from './body';
import { collect, SINGLE_CALL_ROUTES } from './collector';
import type { EventSink } from './event-sink';
import { HttpError } from './http-error';

export interface IngestLimits {
  maxBatchBytes: number;
  maxEventBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = { maxBatchBytes: 500 * 1024, maxEventBytes: 32 * 1024 };

export interface IngestDeps {
  sink: EventSink;
  keys: WriteKeyStore;
  log: Logger;
  limits?: IngestLimits;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, content-encoding',
  'access-control-max-age': '86400',
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...CORS, ...headers });
  res.end(text);
}

/** Segment SDKs send the write key as the Basic-auth user name; browsers may put it in the body. */
function writeKeyOf(req: IncomingMessage, body: unknown): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const user = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
    if (user) return user;
  }
  if (typeof body === 'object' && body !== null && typeof (body as { writeKey?: unknown }).writeKey === 'string') {
    return (body as { writeKey: string }).writeKey;
  }
  return undefined;
}

const BATCH_ROUTES = new Set(['/v1/batch', '/v1/import', '/events']);

async function handle(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
  if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST') throw new HttpError(405, `use POST for ${path}`, { allow: 'POST, OPTIONS' });
  if (!BATCH_ROUTES.has(path) && !SINGLE_CALL_ROUTES[path]) throw new HttpError(404, `no route ${path}`);
  const limit = BATCH_ROUTES.has(path) ? limits.maxBatchBytes : limits.maxEventBytes;
  const body = await readJsonBody(req, limit);
  const key = writeKeyOf(req, body);
  if (!key) throw new HttpError(401, 'missing write key: send it as the HTTP Basic user name or "writeKey"');
  const projectId = deps.keys.resolve(key);
  if (!projectId) throw new HttpError(401, 'unknown or revoked write key');
  const result = await collect(deps.sink, projectId, path, body, limits.maxEventBytes);
  send(res, 200, { success: true, ...result });
}

export function createIngestServer(deps: IngestDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((e: unknown) => {
      if (e instanceof HttpError) {
        // The body may be unread (early 4xx): close the connection rather than drain a huge upload.
        if (!req.complete) res.setHeader('connection', 'close');
        return send(res, e.status, { success: false, error: e.message }, e.headers);
      }
      // Anything else is the broker not taking the events: nothing was acknowledged, retry later.
      deps.log.warn('ingest: could not publish to Kafka', { error: String(e) });
      send(res, 503, { success: false, error: 'event store unavailable, retry later' }, { 'retry-after': '5' });
    });
  });
}
