import { createConnection, createServer } from 'node:net';
import { UserFacingError } from '../../core/errors';

/** Resolves true when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves true when we could bind host:port ourselves right now. */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

export class PortTakenError extends UserFacingError {
  override name = 'PortTakenError';
}

/** Fails with one actionable line when `port` is held by another program. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (await canBind(port)) return;
  throw new PortTakenError(
    `port ${port} (${what}) is already in use by another program`,
    `stop that program or choose another port with ${envVar}=<port>`,
  );
}
