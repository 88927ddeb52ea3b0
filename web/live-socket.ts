import type { LiveMessage } from './api';

/**
 * The live feed's WebSocket, opened again after a drop (a serving restart, a client too slow),
 * backing off from 0.5 s to 10 s. Closed by the server because the sign-in no longer holds
 * (1008: revoked, signed out, no longer a member), it stays closed and `onEnd` says why.
 * Returns the function that closes it for good.
 */
export function liveSocket(
  query: string,
  onMessage: (m: LiveMessage) => void,
  onEnd: (reason: string) => void = () => {},
): () => void {
  let socket: WebSocket | undefined;
  let stopped = false;
  let retry = 500;
  const connect = () => {
    socket = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/live${query}`,
    );
    socket.onmessage = (m: MessageEvent<string>) => {
      retry = 500;
      onMessage(JSON.parse(m.data) as LiveMessage);
    };
    socket.onclose = (e: CloseEvent) => {
      if (stopped) return;
      if (e.code === 1008) {
        stopped = true;
        onEnd(e.reason || 'your sign-in no longer holds');
        return;
      }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  connect();
  return () => {
    stopped = true;
    socket?.close();
  };
}
