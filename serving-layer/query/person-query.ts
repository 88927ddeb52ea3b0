import { EVENT_DIMENSIONS } from '../../core/events/dimensions';
import { IdentityGraph, type IdentityCall, type Merge, type Refusal } from '../../core/persons/identity';
import { onePerEvent } from '../../core/persons/identity-calls';
import type { ActorEventRow, RawEventReader } from '../views/raw-event-reader';
import { parseObject } from '../views/raw-sql';
import { StampedCache } from '../views/stamped-cache';
import type { LayeredViews } from './layered-views';
import { sessionsOf } from './sessions';
import { isActivity } from '../../core/events/sessions';

/** The order identity calls apply in: event time, then event id. */
const byEventTime = (a: Pick<IdentityCall, 'at' | 'eventId'>, b: Pick<IdentityCall, 'at' | 'eventId'>) =>
  a.at - b.at || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

const HOUR = 3_600_000;

/** Latest events a profile shows. */
const LATEST = 20;
/** Recent sessions a profile shows. */
const RECENT_SESSIONS = 10;

export interface PersonProfile {
  person: string;
  project: string;
  ids: { users: string[]; anonymousIds: string[] };
  merges: (Omit<Merge, 'at'> & { at: string })[];
  refusals: (Omit<Refusal, 'at'> & { at: string })[];
  /** Every trait sent (identify calls' traits over context.traits), its latest value. */
  traits: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  totals: { events: number; sessions: number; orders: number; revenue: Record<string, number> };
  sessions: { start: string; end: string; events: number; pages: number; entryPage: string | null }[];
  devices: { deviceType: string | null; os: string | null; browser: string | null; events: number }[];
  places: { country: string | null; region: string | null; city: string | null; events: number }[];
  latest: { eventId: string; type: string; event: string; at: string; actor: string }[];
  watermark: string | null;
}

const at = (path: readonly string[], o: Record<string, unknown>): string | null => {
  let v: unknown = o;
  for (const k of path)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
};

/**
 * Persons: the project's identity graph (core/persons/identity.ts) from every identify and alias
 * call (the lake's older than the speed view's horizon, read again when the batch layer moves or
 * the horizon does; every one the speed view holds), and a person's profile from the events of
 * all its ids.
 */
export class PersonQuery {
  private readonly lakeCalls: StampedCache<IdentityCall[]>;
  private readonly graphs: StampedCache<IdentityGraph>;
  /**
   * Per project, the graph last built and what of the speed view it holds (graph()); kept for the
   * hour of the horizon it was built in (it is rebuilt after), so only projects asked in this hour
   * hold one.
   */
  private readonly growing = new Map<
    string,
    {
      horizon: number;
      lakeKey: string;
      graph: IdentityGraph;
      speedApplied: Set<string>;
      last: Pick<IdentityCall, 'at' | 'eventId'>;
    }
  >();

  constructor(
    private readonly layers: LayeredViews,
    private readonly raw: RawEventReader,
    private readonly sessionTimeoutMs: number,
    /** How far back the speed view holds every event (SPEED_HORIZON_HOURS). */
    private readonly horizonMs: number,
  ) {
    this.lakeCalls = new StampedCache(() => layers.batchStamp(), 200);
    this.graphs = new StampedCache(() => layers.stamp(), 50);
  }

  /**
   * The project's persons as of now. The lake's calls are those older than the speed view's
   * horizon (sealed or not: history sent before any hour was sealed joins ids too); the speed
   * view's are all it holds, late ones included: an identify sent today about an hour sealed
   * yesterday joins its ids at once, before late-data repair archives it into a published hour
   * (each call once, by event id). Built once per state of the batch layer and hour of the
   * horizon; the speed view's new calls are then applied to it as they come, while they come in
   * event-time order (the order the graph is defined in); a call older than the last applied one
   * rebuilds it.
   */
  graph(project: string): Promise<IdentityGraph> {
    return this.graphs.get(project, async () => {
      const horizon = Math.ceil((Date.now() - this.horizonMs) / HOUR) * HOUR;
      for (const [p, g] of this.growing) if (g.horizon !== horizon) this.growing.delete(p);
      const lakeKey = `${await this.layers.batchStamp()}|${horizon}`;
      const lake = await this.lakeCalls.get(`${project}|${horizon}`, () =>
        this.raw.identityCalls({
          project,
          from: new Date(0),
          split: new Date(horizon),
          to: new Date(horizon),
        }),
      );
      const speed = await this.raw.identityCalls({
        project,
        from: new Date(0),
        split: new Date(0),
        to: new Date(Date.now() + 60_000),
      });
      const known = this.growing.get(project);
      if (known && known.lakeKey === lakeKey) {
        const fresh = speed.filter((c) => !known.speedApplied.has(c.eventId)).sort(byEventTime);
        const first = fresh[0];
        if (!first || byEventTime(first, known.last) > 0) {
          for (const c of fresh) {
            known.graph.apply(c);
            known.speedApplied.add(c.eventId);
          }
          known.last = fresh.at(-1) ?? known.last;
          return known.graph;
        }
      }
      const calls = onePerEvent(lake, speed).sort(byEventTime);
      const graph = IdentityGraph.of(calls);
      this.growing.set(project, {
        horizon,
        lakeKey,
        graph,
        speedApplied: new Set(speed.map((c) => c.eventId)),
        last: calls.at(-1) ?? { at: -Infinity, eventId: '' },
      });
      return graph;
    });
  }

  /** The profile of the person holding `id` (a user id or an anonymous id); undefined when no event has it. */
  async profile(project: string, id: string): Promise<PersonProfile | undefined> {
    const graph = await this.graph(project);
    const watermarkEnd = await this.layers.watermarkEnd();
    const watermark = watermarkEnd?.getTime() ?? 0;
    // The lake up to the watermark, or further while the batch layer lags: the speed view holds
    // every event only from its horizon on.
    const horizon = Math.ceil((Date.now() - this.horizonMs) / HOUR) * HOUR;
    const span = {
      project,
      from: new Date(0),
      split: new Date(Math.max(watermark, horizon)),
      to: new Date(Date.now() + 60_000),
    };
    // The id may be a user id or an anonymous one: the person of whichever has events.
    for (const actor of [id, `anon:${id}`]) {
      const actors = graph.actorsOf(actor);
      const events = await this.raw.actorEvents(span, actors);
      if (events.length === 0) continue;
      return this.describe(project, graph, actor, actors, events, watermarkEnd);
    }
    return undefined;
  }

  private async describe(
    project: string,
    graph: IdentityGraph,
    actor: string,
    actors: string[],
    events: ActorEventRow[],
    watermark: Date | undefined,
  ): Promise<PersonProfile> {
    const person = graph.personOf(actor);
    const mine = new Set(actors);
    const traits = new Map<string, unknown>();
    const revenue = new Map<string, number>();
    const devices = new Map<string, PersonProfile['devices'][number]>();
    const places = new Map<string, PersonProfile['places'][number]>();
    let orders = 0;
    for (const e of events) {
      const properties = parseObject(e.properties);
      const context = parseObject(e.context);
      const sent = {
        ...parseObject(context.traits),
        ...(e.type === 'identify' ? parseObject(properties.traits) : {}),
      };
      for (const [k, v] of Object.entries(sent)) traits.set(k, v);
      if (e.event === 'purchase') {
        orders++;
        const amount = Number(properties.total_amount);
        const currency = typeof properties.currency === 'string' ? properties.currency : 'unknown';
        if (Number.isFinite(amount)) revenue.set(currency, (revenue.get(currency) ?? 0) + amount);
      }
      const device = {
        deviceType: at(EVENT_DIMENSIONS.device_type, context),
        os: at(EVENT_DIMENSIONS.os, context),
        browser: at(EVENT_DIMENSIONS.browser, context),
      };
      if (device.deviceType ?? device.os ?? device.browser) {
        const k = JSON.stringify(device);
        devices.set(k, { ...device, events: (devices.get(k)?.events ?? 0) + 1 });
      }
      const place = {
        country: at(EVENT_DIMENSIONS.country, context),
        region: at(EVENT_DIMENSIONS.region, context),
        city: at(EVENT_DIMENSIONS.city, context),
      };
      if (place.country) {
        const k = JSON.stringify(place);
        places.set(k, { ...place, events: (places.get(k)?.events ?? 0) + 1 });
      }
    }
    // Sessions of the person, not of each id: every id's events cut together.
    const sessions = await sessionsOf(
      events
        .filter((e) => isActivity(e.event))
        .map((e) => ({
          actor: person,
          at: e.at,
          page: e.event === 'page' || e.event === 'screen',
          path: at(['path'], parseObject(e.properties)),
          dim: '',
          dims: [],
        })),
      { from: 0, to: Number.MAX_SAFE_INTEGER, timeoutMs: this.sessionTimeoutMs },
    );
    const iso = (ms: number) => new Date(ms).toISOString();
    const users = graph.usersOf(actor);
    const involved = (ids: string[]) => ids.some((x) => mine.has(x));
    return {
      person,
      project,
      ids: {
        users: users.length > 0 ? users : actors.filter((a) => !a.startsWith('anon:')),
        anonymousIds: actors.filter((a) => a.startsWith('anon:')).map((a) => a.slice('anon:'.length)),
      },
      merges: graph.merges.filter((m) => involved([m.merged, m.into])).map((m) => ({ ...m, at: iso(m.at) })),
      refusals: graph.refusals
        .filter((r) => involved([r.actor, r.keptWith, r.refused]))
        .map((r) => ({ ...r, at: iso(r.at) })),
      traits: Object.fromEntries(traits),
      firstSeen: iso(events[0]!.at),
      lastSeen: iso(events[events.length - 1]!.at),
      totals: {
        events: events.length,
        sessions: sessions.length,
        orders,
        revenue: Object.fromEntries(revenue),
      },
      sessions: sessions
        .slice(-RECENT_SESSIONS)
        .reverse()
        .map((s) => ({
          start: iso(s.start),
          end: iso(s.end),
          events: s.events,
          pages: s.pages,
          entryPage: s.entryPage,
        })),
      devices: [...devices.values()].sort((a, b) => b.events - a.events),
      places: [...places.values()].sort((a, b) => b.events - a.events),
      latest: events
        .slice(-LATEST)
        .reverse()
        .map((e) => ({ eventId: e.eventId, type: e.type, event: e.event, at: iso(e.at), actor: e.actor })),
      watermark: watermark?.toISOString() ?? null,
    };
  }
}
