import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../core/config/config';
import type { Logger } from '../../core/log';
import { atLeast } from '../../core/auth/roles';
import { authenticate, roleRefused, type Access } from '../auth/authenticate';
import type { SpeedViewReader } from '../views/speed-view-reader';
import { liveSnapshot, type ActivePersons } from './live-snapshot';
import type { EventsMessage, SnapshotMessage, StoredEvent } from './messages';

export const LIVE_PATH = '/v1/live';

export interface LiveFeedOptions {
  /** How often each project's snapshot is taken and sent. */
  intervalMs: number;
  /** A client with more than this many bytes queued (not read fast enough) is dropped. */
  maxBufferedBytes: number;
  /** Each client is pinged this often; one that has not answered the previous ping is dropped. */
  pingMs: number;
  /** How many of a project's latest events are read each interval for clients that asked for events. */
  eventsLimit: number;
}

/** How many event ids a client remembers having been sent (well above eventsLimit). */
const SENT_MEMORY = 2000;

/**
 * The live feed of the overview: a WebSocket at /v1/live, authenticated like the API (the
 * browser's session cookie, or a bearer token), bound to the caller's project. Every interval one
 * snapshot per project with clients is taken from the speed view and sent to each; a client that
 * does not read fast enough is dropped (close code 1013) rather than buffered without bound:
 * when its queue passes maxBufferedBytes, or when it has not answered a ping within pingMs (a
 * client that stops reading stops answering pings long before the kernel's buffers fill).
 * A client connecting with `?events=1` also receives the project's latest events it has not seen.
 * A client whose token is revoked, or whose session ends, is closed (1008) at the next ping: an
 * open socket is not a way to keep access that was taken away.
 */
export class LiveFeed {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly clients = new Map<string, Set<WebSocket>>();
  private readonly timer: NodeJS.Timeout;
  private readonly pinger: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();
  /** Clients that asked for events, with the ids already sent to each (oldest first). */
  private readonly eventClients = new WeakMap<WebSocket, Set<string>>();
  private busy = false;
  private readonly sending = new Set<Promise<void>>();
  /** The request each client connected with: its credentials are checked again at every ping. */
  private readonly credentials = new WeakMap<WebSocket, IncomingMessage>();
  private missed = false;
  private closed = false;
  dropped = 0;

  constructor(
    server: Server,
    private readonly deps: {
      config: Config;
      access: Access;
      speed: SpeedViewReader;
      activePersons: ActivePersons;
      log: Logger;
    },
    private readonly o: LiveFeedOptions,
  ) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== LIVE_PATH) return;
      void this.accept(req, socket, head);
    });
    this.timer = setInterval(() => void this.tick(), o.intervalMs);
    this.pinger = setInterval(() => this.ping(), o.pingMs);
  }

  private ping(): void {
    for (const set of this.clients.values())
      for (const ws of set) {
        if (!this.alive.has(ws)) {
          this.drop(ws);
          continue;
        }
        this.alive.delete(ws);
        ws.ping();
        void this.recheck(ws);
      }
  }

  /** Closes the client when what it connected with no longer authenticates (revoked, ended, expired). */
  private async recheck(ws: WebSocket): Promise<void> {
    const req = this.credentials.get(ws);
    if (!req) return;
    try {
      await authenticate(req as Request, this.deps.config, this.deps.access);
    } catch (e) {
      // Only a refusal closes it: a metadata store that does not answer this once is not one.
      const refused = e instanceof UnauthorizedException || e instanceof ForbiddenException;
      if (refused && ws.readyState === ws.OPEN) ws.close(1008, (e as Error).message.slice(0, 120));
    }
  }

  private drop(ws: WebSocket): void {
    this.dropped++;
    ws.close(1013, 'too slow: reconnect');
    ws.terminate();
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let project: string;
    const wantsEvents = new URL(req.url ?? '/', 'http://x').searchParams.get('events') === '1';
    try {
      const auth = await authenticate(req as Request, this.deps.config, this.deps.access);
      // The latest events name people: for analysts, as one person's events are.
      if (wantsEvents && !atLeast(auth.role, 'analyst')) throw roleRefused(auth, 'analyst');
      project = auth.project;
    } catch (e) {
      const message = (e as Error).message;
      const status = e instanceof ForbiddenException ? '403 Forbidden' : '401 Unauthorized';
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (wantsEvents) this.eventClients.set(ws, new Set());
      this.credentials.set(ws, req);
      const set = this.clients.get(project) ?? new Set<WebSocket>();
      set.add(ws);
      this.clients.set(project, set);
      this.alive.add(ws);
      ws.on('pong', () => this.alive.add(ws));
      ws.on('close', () => {
        set.delete(ws);
        if (set.size === 0 && this.clients.get(project) === set) this.clients.delete(project);
      });
      ws.on('error', () => ws.terminate());
      // The first snapshot at once: a page shows numbers as soon as it connects.
      void this.send(project, [ws]);
    });
  }

  /**
   * One snapshot per project with clients. A tick that comes while one still runs (a busy engine)
   * is not doubled but not lost either: it runs as soon as that one ends, so clients still get a
   * snapshot each interval while a tick takes less than one.
   */
  private async tick(): Promise<void> {
    if (this.busy) {
      this.missed = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.missed = false;
        for (const [project, set] of this.clients) await this.send(project, [...set]);
      } while (this.missed && !this.closed);
    } finally {
      this.busy = false;
    }
  }

  /** Resolves when every snapshot being read is done: once closed, the engines can close after it. */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.all(this.sending);
  }

  /** One snapshot to `to`, tracked until done (see settled). None once closed. */
  private send(project: string, to: WebSocket[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const sending: Promise<void> = this.sendNow(project, to).finally(() => this.sending.delete(sending));
    this.sending.add(sending);
    return sending;
  }

  private async sendNow(project: string, to: WebSocket[]): Promise<void> {
    let text: string;
    let latest: StoredEvent[] = [];
    try {
      const snapshot: SnapshotMessage = {
        type: 'snapshot',
        ...(await liveSnapshot(this.deps.speed, this.deps.activePersons, project)),
      };
      text = JSON.stringify(snapshot);
      // One read of the latest events per project, only when one of its clients shows them.
      if (to.some((ws) => this.eventClients.has(ws)))
        latest = await this.deps.speed.latestEvents(project, this.o.eventsLimit);
    } catch (e) {
      this.deps.log.warn('live snapshot failed', { project, error: (e as Error).message });
      return;
    }
    for (const ws of to) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > this.o.maxBufferedBytes) {
        // Not reading: drop it (the page reconnects) instead of queueing snapshots without bound.
        this.drop(ws);
        continue;
      }
      ws.send(text);
      const sent = this.eventClients.get(ws);
      if (!sent) continue;
      const fresh = latest.filter((e) => !sent.has(e.eventId));
      if (fresh.length === 0) continue;
      // Remembered oldest first, so the oldest ids are forgotten first.
      for (const e of [...fresh].reverse()) sent.add(e.eventId);
      for (const id of sent) {
        if (sent.size <= SENT_MEMORY) break;
        sent.delete(id);
      }
      const message: EventsMessage = { type: 'events', events: fresh };
      ws.send(JSON.stringify(message));
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
