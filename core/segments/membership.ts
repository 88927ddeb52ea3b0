import { own } from '../values/own';
import { leaves, type Condition, type EventCondition, type TraitCondition } from './definition';

const DAY = 86_400_000;

/** Traits a user sent at a moment: an identify call's `traits`, or any event's `context.traits`. */
export interface TraitRow {
  actor: string;
  at: number;
  /** Orders rows of one user at the same millisecond (the event id), so the latest is well defined. */
  tie: string;
  traits: Record<string, unknown>;
}

/** One event of a behavioural condition (its property filter already applied). */
export interface ActorTime {
  actor: string;
  at: number;
}

/** Index of the first element above `t` in a sorted array. */
function upper(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A trait condition against a trait's value (undefined: never sent; null: cleared). */
export function traitHolds(c: TraitCondition, v: unknown): boolean {
  switch (c.op) {
    case 'set':
      return v !== undefined && v !== null;
    case 'not_set':
      return v === undefined || v === null;
    case 'equals':
      return isScalar(v) && String(v) === String(c.value);
    case 'in':
      return isScalar(v) && c.values.some((x) => String(x) === String(v));
    case 'contains':
      if (typeof v === 'string') return v.includes(c.value);
      return Array.isArray(v) && v.some((x) => isScalar(x) && String(x) === c.value);
    case 'between': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) && (c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max);
    }
  }
}

/**
 * Who is in a segment at each moment. A user's traits at time t are the latest value of each
 * trait sent at or before t; a behavioural condition counts the user's events in (t - D days, t].
 * So membership moves exactly when a user's data does: a trait change counts from the event that
 * carried it, and behaviour from the event that completes it (and until it ages out).
 */
export class Membership {
  private readonly traitTimes = new Map<string, number[]>();
  private readonly traitSnapshots = new Map<string, Record<string, unknown>[]>();
  private readonly eventTimes = new Map<EventCondition, Map<string, number[]>>();

  constructor(
    readonly condition: Condition,
    traitRows: Iterable<TraitRow>,
    eventRows: Map<EventCondition, Iterable<ActorTime>>,
  ) {
    const byActor = new Map<string, TraitRow[]>();
    for (const r of traitRows) {
      const list = byActor.get(r.actor);
      if (list) list.push(r);
      else byActor.set(r.actor, [r]);
    }
    for (const [actor, rows] of byActor) {
      rows.sort((a, b) => a.at - b.at || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0));
      const times: number[] = [];
      const snapshots: Record<string, unknown>[] = [];
      let current = Object.create(null) as Record<string, unknown>;
      for (const r of rows) {
        // Trait names are the senders' own: no prototype to answer 'constructor' for them.
        current = Object.assign(Object.create(null) as Record<string, unknown>, current, r.traits);
        // Several rows at one millisecond: the last one holds them all.
        if (times.at(-1) === r.at) snapshots[snapshots.length - 1] = current;
        else {
          times.push(r.at);
          snapshots.push(current);
        }
      }
      this.traitTimes.set(actor, times);
      this.traitSnapshots.set(actor, snapshots);
    }
    for (const c of leaves(condition).events) {
      const perActor = new Map<string, number[]>();
      for (const r of eventRows.get(c) ?? []) {
        const list = perActor.get(r.actor);
        if (list) list.push(r.at);
        else perActor.set(r.actor, [r.at]);
      }
      for (const list of perActor.values()) list.sort((a, b) => a - b);
      this.eventTimes.set(c, perActor);
    }
  }

  /** The user's traits as of `at` (empty when none were sent by then). */
  traitsAt(actor: string, at: number): Record<string, unknown> {
    const times = this.traitTimes.get(actor);
    if (!times) return {};
    const i = upper(times, at) - 1;
    return i < 0 ? {} : (this.traitSnapshots.get(actor)?.[i] ?? {});
  }

  /** Every user with traits, and their latest ones. */
  *latestTraits(): Iterable<[string, Record<string, unknown>]> {
    for (const [actor, snaps] of this.traitSnapshots) yield [actor, snaps.at(-1) ?? {}];
  }

  isMember(actor: string, at: number): boolean {
    return this.holds(this.condition, actor, at);
  }

  private holds(c: Condition, actor: string, at: number): boolean {
    if ('and' in c) return c.and.every((x) => this.holds(x, actor, at));
    if ('or' in c) return c.or.some((x) => this.holds(x, actor, at));
    if ('not' in c) return !this.holds(c.not, actor, at);
    if ('event' in c) {
      const times = this.eventTimes.get(c)?.get(actor);
      if (!times) return false;
      return upper(times, at) - upper(times, at - c.inLastDays * DAY) >= c.atLeast;
    }
    return traitHolds(c, own(this.traitsAt(actor, at), c.trait));
  }
}

/** How far before a moment the behavioural conditions look (0 with none). */
export function lookbackMs(c: Condition): number {
  return Math.max(0, ...leaves(c).events.map((e) => e.inLastDays * DAY));
}
