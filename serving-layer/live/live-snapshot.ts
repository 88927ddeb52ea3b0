import type { SpeedViewReader } from '../views/speed-view-reader';
import type { LiveSnapshot } from './messages';

export type { LiveSnapshot };

const MINUTE = 60_000;

/** Distinct persons with an event in [from, to): the query core's active_users. */
export type ActivePersons = (project: string, from: Date, to: Date) => Promise<number>;

/**
 * Takes the project's snapshot: events per minute and the latest event from the speed view, and
 * the persons active in the last five minutes, counted as active_users counts them (persons, not
 * ids: one person on a phone and a laptop is one).
 */
export async function liveSnapshot(
  speed: SpeedViewReader,
  activePersons: ActivePersons,
  project: string,
  now = Date.now(),
): Promise<LiveSnapshot> {
  const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const from = new Date(end - 30 * MINUTE);
  const to = new Date(end);
  const [measures, activeUsers, last] = await Promise.all([
    speed.measures({ project, metric: 'events', from, to, granularity: 'minute', groupBy: false }),
    activePersons(project, new Date(end - 5 * MINUTE), to),
    speed.lastReceived(project),
  ]);
  const counts = new Map(measures.map((m) => [m.bucket, m.count]));
  const eventsPerMinute = Array.from({ length: 30 }, (_, i) => {
    const minute = from.getTime() + i * MINUTE;
    return { minute: new Date(minute).toISOString(), count: counts.get(minute) ?? 0 };
  });
  return {
    project,
    at: new Date(now).toISOString(),
    eventsPerMinute,
    activeUsers,
    eventsThisMinute: eventsPerMinute[eventsPerMinute.length - 1]?.count ?? 0,
    lastReceived: last?.toISOString() ?? null,
    source: 'speed',
  };
}
