import { createServer } from 'node:net';

/** Ports this process was given already: never handed out twice. */
const given = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A TCP port free on loopback right now, and not one this process was given before: the kernel
 * may hand a port just closed out again, so two calls in a row could otherwise name the same one
 * (a test once gave the Temporal UI and the API one port, and up refused to start).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe();
    if (!given.has(port)) {
      given.add(port);
      return port;
    }
  }
}
