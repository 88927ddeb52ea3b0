import { hllEstimate, hllMerge } from '../../core/sketches/hll';
import type { SpeedViewReader } from '../views/speed-view-reader';
import type { LiveSnapshot } from './messages';

export type { LiveSnapshot };

const MINUTE = 60_000;

/** Takes the project's snapshot: two small queries of the speed view and one of its latest event. */
export async function liveSnapshot(
  speed: SpeedViewReader,
  project: string,
  now = Date.now(),
): Promise<LiveSnapshot> {
  const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const from = new Date(end - 30 * MINUTE);
  const to = new Date(end);
  const [measures, registers, last] = await Promise.all([
    speed.measures({ project, metric: 'events', from, to, granularity: 'minute', groupBy: false }),
    speed.registers({
      project,
      metric: 'active_users',
      from: new Date(end - 5 * MINUTE),
      to,
      granularity: 'minute',
      groupBy: false,
    }),
    speed.lastReceived(project),
  ]);
  const counts = new Map(measures.map((m) => [m.bucket, m.count]));
  const eventsPerMinute = Array.from({ length: 30 }, (_, i) => {
    const minute = from.getTime() + i * MINUTE;
    return { minute: new Date(minute).toISOString(), count: counts.get(minute) ?? 0 };
  });
  const users = hllMerge(
    new Map(),
    registers.map((r) => [r.reg, r.rank] as [number, number]),
  );
  return {
    project,
    at: new Date(now).toISOString(),
    eventsPerMinute,
    activeUsers: Math.round(hllEstimate(users)),
    eventsThisMinute: eventsPerMinute[eventsPerMinute.length - 1]?.count ?? 0,
    lastReceived: last?.toISOString() ?? null,
    source: 'speed',
  };
}
