import type { DropList } from '../core/erasure/drop-list';
import { ingestRequests, ingestRequestSeconds } from '../core/ops/operational-metrics';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hashKey, type KeyResolver } from '../core/auth/write-keys';
import type { Logger } from '../core/log';
import { readJsonBody } from './body';
import { collect, SINGLE_CALL_ROUTES } from './collector';
import type { RequestMeta } from './enrich';
import type { createEventPipeline } from './pipeline';
import type { RateLimiter } from './rate-limiter';
import type { EventSink } from './event-sink';
import { HttpError } from './http-error';
import { SinkUnavailableError } from './event-sink';

export interface IngestLimits {
  maxBatchBytes: number;
  maxEventBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = { maxBatchBytes: 500 * 1024, maxEventBytes: 32 * 1024 };

export interface IngestDeps {
  sink: EventSink;
  keys: KeyResolver;
  pipeline: ReturnType<typeof createEventPipeline>;
  limiter?: RateLimiter;
  log: Logger;
  limits?: IngestLimits;
  /** Behind a load balancer: take the client address from X-Forwarded-For. */
  trustProxy?: boolean;
  /** Ids of erased users whose new events are dropped. */
  dropList?: DropList;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, content-encoding',
  'access-control-max-age': '86400',
};

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...CORS,
    ...headers,
  });
  res.end(text);
}

/** Segment SDKs send the write key as the Basic-auth user name; browsers may put it in the body. */
function writeKeyOf(req: IncomingMessage, body: unknown): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const user = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
    if (user) return user;
  }
  if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { writeKey?: unknown }).writeKey === 'string'
  ) {
    return (body as { writeKey: string }).writeKey;
  }
  return undefined;
}

function requestMeta(req: IncomingMessage, deps: IngestDeps): RequestMeta {
  const forwarded = deps.trustProxy
    ? String(req.headers['x-forwarded-for'] ?? '')
        .split(',')[0]
        ?.trim()
    : undefined;
  return {
    ip: forwarded || req.socket.remoteAddress,
    userAgent: req.headers['user-agent'],
    fromBrowser: req.headers.origin !== undefined,
  };
}

function eventCount(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  const o = body as { batch?: unknown; events?: unknown } | null;
  if (o && Array.isArray(o.batch)) return o.batch.length;
  if (o && Array.isArray(o.events)) return o.events.length;
  return 1;
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
  const { body, invalidUtf8 } = await readJsonBody(req, limit);
  const key = writeKeyOf(req, body);
  if (!key) throw new HttpError(401, 'missing write key: send it as the HTTP Basic user name or "writeKey"');
  const projectId = deps.keys.resolve(key);
  if (!projectId) throw new HttpError(401, 'unknown or revoked write key');
  const address = requestMeta(req, deps).ip ?? '';
  if (deps.keys.allows && !deps.keys.allows(key, address))
    throw new HttpError(
      403,
      `this write key is not allowed from ${address}: its networks are set by an admin (GET /v1/write-keys)`,
    );
  if (deps.limiter) {
    const wait = deps.limiter.take(hashKey(key), eventCount(body));
    if (wait > 0) {
      throw new HttpError(429, `rate limit for this write key exceeded: retry in ${wait} s`, {
        'retry-after': String(wait),
      });
    }
  }
  const result = await collect(
    deps.sink,
    deps.pipeline,
    {
      projectId,
      path,
      body,
      invalidUtf8,
      meta: requestMeta(req, deps),
    },
    Date.now(),
    deps.dropList,
  );
  send(res, 200, { success: true, ...result });
}

/** A request's route as a bounded label: the known routes, else 'other'. */
const routeLabel = (url: string | undefined) => {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return BATCH_ROUTES.has(path) || SINGLE_CALL_ROUTES[path] || path === '/health' ? path : 'other';
};

export function createIngestServer(deps: IngestDeps): Server {
  return createServer((req, res) => {
    const route = routeLabel(req.url);
    const end = ingestRequestSeconds.startTimer({ route });
    res.once('finish', () => {
      end();
      ingestRequests.inc({ route, status: String(res.statusCode) });
    });
    handle(deps, req, res).catch((e: unknown) => {
      if (e instanceof HttpError) {
        // The body may be unread (early 4xx): close the connection rather than drain a huge upload.
        if (!req.complete) res.setHeader('connection', 'close');
        return send(res, e.status, { success: false, error: e.message }, e.headers);
      }
      if (e instanceof SinkUnavailableError) {
        // The broker did not take the events: nothing was acknowledged, retry later.
        deps.log.warn('ingest: could not publish to Kafka', { error: String(e) });
        return send(
          res,
          503,
          { success: false, error: 'event store unavailable, retry later' },
          { 'retry-after': '5' },
        );
      }
      // A fault of ours: retrying will not help. The id ties the answer to the log line and its stack.
      const errorId = randomUUID();
      deps.log.error('ingest: internal error', {
        errorId,
        error: String(e),
        stack: e instanceof Error ? e.stack : undefined,
      });
      send(res, 500, {
        success: false,
        error: `internal error (id ${errorId}): the events were not accepted; report the id to the operators`,
        errorId,
      });
    });
  });
}
