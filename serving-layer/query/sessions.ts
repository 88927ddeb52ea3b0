import { flatMapInTurns, eachInTurns } from '../../core/turns';
import { NO_VALUE } from '../../core/events/dimensions';
import { scalarText } from '../views/raw-sql';
import type { SessionPart } from '../views/session-parts';

/** One event as sessions read it: who, when (epoch ms), whether it is a page (or screen) view and its path. */
export interface SessionEvent {
  actor: string;
  at: number;
  page: boolean;
  path: string | null;
  /** The value of the dimension the answer is split by (the session keeps its first event's). */
  dim: string;
  /** Values of the dimensions the answer is filtered by (the session keeps its first event's). */
  dims: readonly string[];
}

/** A visit: a person's events with no gap longer than the timeout between two of them. */
export interface Session {
  actor: string;
  start: number;
  end: number;
  events: number;
  pages: number;
  entryPage: string | null;
  exitPage: string | null;
  dim: string;
  dims: readonly string[];
}

/**
 * A person's events cut into sessions: a new one starts at the first event, and at every event
 * more than `timeoutMs` after the one before. Only sessions that start in [from, to) are kept,
 * each once, whole (their later events may fall after `to`); the events given must reach back to
 * `from - timeoutMs` to tell a session that started before `from` from one that starts in it.
 */
export async function sessionsOf(
  events: SessionEvent[],
  range: { from: number; to: number; timeoutMs: number },
): Promise<Session[]> {
  const byActor = new Map<string, SessionEvent[]>();
  await eachInTurns(events, (e) => {
    let list = byActor.get(e.actor);
    if (!list) byActor.set(e.actor, (list = []));
    list.push(e);
  });
  return flatMapInTurns([...byActor.values()], (list) => {
    list.sort((a, b) => a.at - b.at);
    const out: Session[] = [];
    let current: Session | undefined;
    for (const e of list) {
      if (!current || e.at - current.end > range.timeoutMs) {
        current = {
          actor: e.actor,
          start: e.at,
          end: e.at,
          events: 0,
          pages: 0,
          entryPage: null,
          exitPage: null,
          dim: e.dim,
          dims: e.dims,
        };
        if (e.at >= range.from && e.at < range.to) out.push(current);
      }
      current.end = e.at;
      current.events++;
      if (e.page) {
        current.pages++;
        current.entryPage ??= e.path;
        current.exitPage = e.path;
      }
    }
    return out;
  });
}

/** What a set of sessions adds up to. */
export interface SessionFigures {
  sessions: number;
  /** Sessions of a single event. */
  bounces: number;
  bounceRate: number | null;
  averageDurationSeconds: number | null;
  medianDurationSeconds: number | null;
  pagesPerSession: number | null;
}

export function figuresOf(sessions: Session[]): SessionFigures {
  const n = sessions.length;
  if (n === 0)
    return {
      sessions: 0,
      bounces: 0,
      bounceRate: null,
      averageDurationSeconds: null,
      medianDurationSeconds: null,
      pagesPerSession: null,
    };
  const durations = sessions.map((s) => (s.end - s.start) / 1000).sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const bounces = sessions.filter((s) => s.events === 1).length;
  return {
    sessions: n,
    bounces,
    bounceRate: bounces / n,
    averageDurationSeconds: durations.reduce((a, b) => a + b, 0) / n,
    medianDurationSeconds: n % 2 === 1 ? durations[mid]! : (durations[mid - 1]! + durations[mid]!) / 2,
    pagesPerSession: sessions.reduce((a, s) => a + s.pages, 0) / n,
  };
}

/** The most frequent values of `key` among the sessions (ties by value), with their counts. */
export function topOf(sessions: Session[], key: (s: Session) => string | null, limit: number) {
  const counts = new Map<string, number>();
  for (const s of sessions) {
    const k = key(s);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([page, sessions]) => ({ page, sessions }));
}

/**
 * Sessions from the parts each layer's engine cut (the lake before the split, the speed view
 * after): a person's last part before the split and first part after it are one session when no
 * more than the timeout lies between them. Keeps the sessions that start in [from, to), each with
 * its first event's dimension values (`by`, when the answer is split, is the last of them).
 */
export function joinParts(
  layers: { layer: 'lake' | 'speed'; rows: SessionPart[] }[],
  range: { from: number; to: number; timeoutMs: number; split: boolean },
): Session[] {
  const toSession = (p: SessionPart): Session => {
    const dims = p.dims.map((d) => scalarText(d) ?? NO_VALUE);
    return {
      actor: p.actor,
      start: p.start,
      end: p.end,
      events: p.events,
      pages: p.pages,
      entryPage: scalarText(p.entryPath),
      exitPage: scalarText(p.exitPath),
      dim: range.split ? (dims[dims.length - 1] ?? NO_VALUE) : '',
      dims,
    };
  };
  const lake = layers.find((l) => l.layer === 'lake')?.rows.map(toSession) ?? [];
  const speed = layers.find((l) => l.layer === 'speed')?.rows.map(toSession) ?? [];
  const lastBefore = new Map<string, Session>();
  for (const s of lake) {
    const known = lastBefore.get(s.actor);
    if (!known || s.start > known.start) lastBefore.set(s.actor, s);
  }
  const firstAfter = new Map<string, Session>();
  for (const s of speed) {
    const known = firstAfter.get(s.actor);
    if (!known || s.start < known.start) firstAfter.set(s.actor, s);
  }
  const joined = new Set<Session>();
  for (const [actor, after] of firstAfter) {
    const before = lastBefore.get(actor);
    if (!before || after.start - before.end > range.timeoutMs) continue;
    // One session across the split: the part before keeps its start, entry and dimensions.
    before.end = after.end;
    before.events += after.events;
    before.pages += after.pages;
    before.entryPage ??= after.entryPage;
    before.exitPage = after.exitPage ?? before.exitPage;
    joined.add(after);
  }
  return [...lake, ...speed.filter((s) => !joined.has(s))].filter(
    (s) => s.start >= range.from && s.start < range.to,
  );
}
