/**
 * Persons: which of a project's ids are one human. An event's actor is its user id, else its
 * anonymous id (`anon:<id>`, core/events/event.ts: actorId); a person is a set of actors joined by
 * the calls that say two ids are the same someone:
 *
 * - `identify` with both a user id and an anonymous id: the device's anonymous id joins the user,
 *   unless that anonymous id already belongs to a person identified as another user (a shared
 *   device: the second user signs in where the first did). Two identified users are never joined
 *   this way; the refusal is recorded;
 * - `alias` (previousId -> userId): the caller says the two are the same, and they are joined,
 *   even when both were identified (that is what alias is for). The previous id may have been a
 *   user id or an anonymous one, so both spellings join.
 *
 * Calls are applied in event-time order (ties by event id), so the same calls give the same
 * persons whatever order they arrived in. A person is named by its first identified user id, else
 * by its first actor. Every join and refusal is recorded with its time, cause and event.
 */

export const anonActor = (anonymousId: string) => `anon:${anonymousId}`;

/** A call that may join ids, as stored. */
export interface IdentityCall {
  eventId: string;
  /** Event time, epoch ms. */
  at: number;
  type: 'identify' | 'alias';
  userId: string;
  /** identify: the device's anonymous id. */
  anonymousId?: string | null;
  /** alias: the id the user was known by before. */
  previousId?: string | null;
}

export interface Merge {
  at: number;
  eventId: string;
  cause: 'identify' | 'alias';
  /** The person that joined, and the one it joined (which keeps its name). */
  merged: string;
  into: string;
}

export interface Refusal {
  at: number;
  eventId: string;
  cause: 'shared-device';
  /** The anonymous actor, kept with the user it was first identified as. */
  actor: string;
  keptWith: string;
  refused: string;
}

interface Person {
  name: string;
  /** Identified user ids, in the order they were identified. */
  users: string[];
  actors: Set<string>;
  /** When the person was first identified, and when it was first seen, in calls applied. */
  identifiedSeq: number;
  createdSeq: number;
}

export class IdentityGraph {
  private readonly personOfActor = new Map<string, Person>();
  private seq = 0;
  private joinedAt?: { seq: number; value: { ids: string[]; persons: string[] } };
  readonly merges: Merge[] = [];
  readonly refusals: Refusal[] = [];

  /** Builds the graph from calls in any order. */
  static of(calls: Iterable<IdentityCall>): IdentityGraph {
    const g = new IdentityGraph();
    const ordered = [...calls].sort(
      (a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
    );
    for (const c of ordered) g.apply(c);
    return g;
  }

  /** The person an actor belongs to (the actor itself when no call joined it to anyone). */
  personOf(actor: string): string {
    return this.personOfActor.get(actor)?.name ?? actor;
  }

  /**
   * The ids that belong to a person named otherwise, each with that person's name, as two lists
   * in the same order: what an engine needs to count persons (every other id is its own person).
   */
  joined(): { ids: string[]; persons: string[] } {
    // Asked by every count of a request (and the graph grows between requests): kept until it does.
    if (this.joinedAt?.seq === this.seq) return this.joinedAt.value;
    const ids: string[] = [];
    const persons: string[] = [];
    for (const [actor, p] of this.personOfActor)
      if (p.name !== actor) {
        ids.push(actor);
        persons.push(p.name);
      }
    this.joinedAt = { seq: this.seq, value: { ids, persons } };
    return this.joinedAt.value;
  }

  /** Every actor of the person holding `actor` (itself alone when none). */
  actorsOf(actor: string): string[] {
    const p = this.personOfActor.get(actor);
    return p ? [...p.actors].sort() : [actor];
  }

  /** Identified user ids of the person holding `actor`. */
  usersOf(actor: string): string[] {
    return [...(this.personOfActor.get(actor)?.users ?? [])];
  }

  /** The person holding `actor`, made when none does; `identified` marks the actor a user id. */
  private person(actor: string, identified: boolean): Person {
    let p = this.personOfActor.get(actor);
    if (!p) {
      p = {
        name: actor,
        users: [],
        actors: new Set([actor]),
        identifiedSeq: Infinity,
        createdSeq: this.seq,
      };
      this.personOfActor.set(actor, p);
    }
    if (identified && !p.users.includes(actor)) {
      p.users.push(actor);
      if (p.users.length === 1) {
        p.name = actor;
        p.identifiedSeq = this.seq;
      }
    }
    return p;
  }

  /** Joins two persons: the one identified first (else the one seen first) keeps its name. */
  private join(a: Person, b: Person, call: IdentityCall): void {
    if (a === b) return;
    const aKeeps =
      a.identifiedSeq < b.identifiedSeq ||
      (a.identifiedSeq === b.identifiedSeq && a.createdSeq <= b.createdSeq);
    const [keep, gone] = aKeeps ? [a, b] : [b, a];
    for (const actor of gone.actors) {
      keep.actors.add(actor);
      this.personOfActor.set(actor, keep);
    }
    for (const u of gone.users) if (!keep.users.includes(u)) keep.users.push(u);
    this.merges.push({
      at: call.at,
      eventId: call.eventId,
      cause: call.type,
      merged: gone.name,
      into: keep.name,
    });
  }

  apply(call: IdentityCall): void {
    this.seq++;
    const user = this.person(call.userId, true);
    if (call.type === 'identify') {
      if (!call.anonymousId) return;
      const anon = anonActor(call.anonymousId);
      const device = this.personOfActor.get(anon);
      if (device && device !== user && device.users.length > 0) {
        this.refusals.push({
          at: call.at,
          eventId: call.eventId,
          cause: 'shared-device',
          actor: anon,
          keptWith: device.name,
          refused: call.userId,
        });
        return;
      }
      this.join(user, device ?? this.person(anon, false), call);
      return;
    }
    if (!call.previousId || call.previousId === call.userId) return;
    // Either spelling of the previous id may hold events: both join (an unseen one holds none).
    this.join(user, this.person(call.previousId, false), call);
    this.join(this.personOfActor.get(call.userId)!, this.person(anonActor(call.previousId), false), call);
  }
}
