import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log';
import { DEMO_USERS, demoSession, demoUsers, hourShare, seededRandom, visitsPerDay } from './demo-data';

type Call = Record<string, unknown>;

/**
 * Live demo traffic: the demo's users keep visiting at the rate and rhythm of the seeded history
 * (the current hour looks like the same hour of earlier days). Each visit's calls are sent when
 * their time comes, so events arrive as a real site's would: a video's progress a minute apart.
 * `speedUp` multiplies the rate (tests that want to see counts move at once).
 */
export function startDemoTraffic(
  ingestUrl: string,
  writeKey: string,
  log: Logger,
  opts: { tickMs?: number; speedUp?: number; experimentStart?: number } = {},
): { stop(): Promise<void>; sent(): number } {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const now = Date.now();
  const users = demoUsers(DEMO_USERS, now - 14 * 86_400_000, 14);
  const perDay = visitsPerDay(users) * (opts.speedUp ?? 1);
  const rnd = seededRandom(now);
  const pending: Call[] = [];
  let owed = 0;
  let sent = 0;
  let failures = 0;
  let stopped = false;
  let inflight: Promise<void> = Promise.resolve();
  const tickMs = opts.tickMs ?? 1000;
  // Visits that began in the last quarter hour are still going on: their calls from now on are
  // sent, so the traffic is at its steady rate at once (the history holds what came before).
  for (let i = Math.round((perDay * hourShare(now)) / 4); i > 0; i--) {
    const u = users[Math.floor(rnd() * users.length)];
    if (!u) continue;
    const began = now - Math.floor(rnd() * 15 * 60_000);
    const calls = demoSession(u, began, rnd, {
      first: false,
      experimentStart: opts.experimentStart ?? 0,
      ids: randomUUID,
    });
    pending.push(...calls.filter((c) => Date.parse(c.timestamp as string) >= now));
  }
  const tick = async () => {
    const at = Date.now();
    owed += (perDay * hourShare(at) * tickMs) / 3_600_000;
    for (; owed >= 1; owed--) {
      const u = users[Math.floor(rnd() * users.length)];
      if (!u) continue;
      pending.push(
        ...demoSession(u, at, rnd, {
          first: false,
          experimentStart: opts.experimentStart ?? 0,
          ids: randomUUID,
        }),
      );
    }
    pending.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
    const due = pending.findIndex((c) => Date.parse(c.timestamp as string) > at);
    const batch = pending.splice(0, due === -1 ? pending.length : due);
    if (batch.length === 0) return;
    const res = await fetch(`${ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
    });
    if (res.ok) sent += batch.length;
    // One warning per run of failures, not one per second.
    else if (failures++ === 0)
      log.warn('demo traffic: the collector refused a batch', { status: res.status });
    if (res.ok) failures = 0;
  };
  const timer = setInterval(() => {
    if (stopped) return;
    inflight = tick().catch((e: unknown) => {
      if (failures++ === 0) log.warn('demo traffic failed', { error: String(e) });
    });
  }, tickMs);
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inflight;
    },
  };
}
