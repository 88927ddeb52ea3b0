import { createServer, type Server } from 'node:http';
import { UserFacingError } from '../errors';
import { registry } from './operational-metrics';

/**
 * The ops port: `GET /metrics` (Prometheus text format, every role of this process), `GET /health`.
 * One per process; its roles' metrics share the registry.
 */
export async function startOpsServer(
  ops: {
    host: string;
    port: number;
    fixed: boolean;
  },
  /** Where the text comes from: this process's registry, or a cluster's workers (clusterMetrics). */
  metrics: () => Promise<string> = () => registry.metrics(),
): Promise<{ url: string; close(): Promise<void> }> {
  // The first free port from `port` on, unless the operator named one (or 0: any).
  const tries = ops.fixed || ops.port === 0 ? 1 : 32;
  for (let i = 0; ; i++) {
    try {
      return await listen(ops.host, ops.port + i, metrics);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i + 1 >= tries) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new UserFacingError(
            `the ops port ${ops.port}${tries > 1 ? `-${ops.port + tries - 1}` : ''} is in use`,
            'stop what holds it, or set OPS_PORT to a free port (0: any)',
          );
        throw e;
      }
    }
  }
}

async function listen(
  host: string,
  port: number,
  metrics: () => Promise<string>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${String(e)}`);
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('the ops port answers GET /metrics and GET /health');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
