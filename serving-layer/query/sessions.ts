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
 * Sessions from the parts each engine cut, over consecutive parts of the range (the lake before
 * the split, read by one engine or, hour runs apart, by two; the speed view after it): a person's
 * sessions in time order, each joined to the one before when no more than the timeout lies
 * between them. Within one part that never happens (the engine cut there), so only a session
 * across a part's edge is joined; the earlier piece keeps its start, entry and dimensions. Keeps
 * the sessions that start in [from, to), each with its first event's dimension values (`by`, when
 * the answer is split, is the last of them).
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
  const byActor = new Map<string, Session[]>();
  for (const l of layers)
    for (const p of l.rows) {
      const list = byActor.get(p.actor);
      if (list) list.push(toSession(p));
      else byActor.set(p.actor, [toSession(p)]);
    }
  const out: Session[] = [];
  for (const list of byActor.values()) {
    list.sort((a, b) => a.start - b.start);
    let current = list[0]!;
    for (const next of list.slice(1)) {
      if (next.start - current.end > range.timeoutMs) {
        out.push(current);
        current = next;
        continue;
      }
      // The entry is the first page's path and the exit the last one's, null when that page had
      // none: a piece without pages leaves them as they are.
      if (current.pages === 0) current.entryPage = next.entryPage;
      if (next.pages > 0) current.exitPage = next.exitPage;
      current.end = Math.max(current.end, next.end);
      current.events += next.events;
      current.pages += next.pages;
    }
    out.push(current);
  }
  return out.filter((s) => s.start >= range.from && s.start < range.to);
}
