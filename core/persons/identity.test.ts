import { describe, expect, it } from 'vitest';
import { anonActor, IdentityGraph, type IdentityCall } from './identity';

const MIN = 60_000;
const identify = (userId: string, anonymousId: string, minute: number): IdentityCall => ({
  eventId: `i-${userId}-${anonymousId}-${minute}`,
  at: minute * MIN,
  type: 'identify',
  userId,
  anonymousId,
});
const alias = (previousId: string, userId: string, minute: number): IdentityCall => ({
  eventId: `a-${previousId}-${userId}-${minute}`,
  at: minute * MIN,
  type: 'alias',
  userId,
  previousId,
});

describe('identity graph', () => {
  // One person on a phone and a laptop, with an old id aliased; another signs in on the laptop.
  const calls = [
    identify('ana', 'phone', 10),
    identify('ana', 'laptop', 20),
    alias('old-ana', 'ana', 30),
    identify('bob', 'laptop', 40),
    identify('bob', 'bob-tablet', 50),
  ];

  it('joins devices and aliased ids into one person, named by the user id', () => {
    const g = IdentityGraph.of(calls);
    for (const actor of ['ana', anonActor('phone'), anonActor('laptop'), 'old-ana', anonActor('old-ana')])
      expect(g.personOf(actor)).toBe('ana');
    expect(g.actorsOf('ana')).toEqual(['ana', 'anon:laptop', 'anon:old-ana', 'anon:phone', 'old-ana']);
  });

  it('never joins two identified users through a shared device, and records the refusal', () => {
    const g = IdentityGraph.of(calls);
    expect(g.personOf('bob')).toBe('bob');
    expect(g.personOf(anonActor('bob-tablet'))).toBe('bob');
    expect(g.personOf(anonActor('laptop'))).toBe('ana');
    expect(g.refusals).toEqual([
      {
        at: 40 * MIN,
        eventId: 'i-bob-laptop-40',
        cause: 'shared-device',
        actor: 'anon:laptop',
        keptWith: 'ana',
        refused: 'bob',
      },
    ]);
  });

  it('records each join with its time and cause', () => {
    const g = IdentityGraph.of(calls);
    expect(g.merges.filter((m) => m.into === 'ana').map((m) => [m.at / MIN, m.cause, m.merged])).toEqual([
      [10, 'identify', 'anon:phone'],
      [20, 'identify', 'anon:laptop'],
      [30, 'alias', 'old-ana'],
      [30, 'alias', 'anon:old-ana'],
    ]);
  });

  it('gives the same persons whatever order the calls arrive in', () => {
    const expected = IdentityGraph.of(calls);
    const actors = ['ana', 'bob', 'old-ana', ...['phone', 'laptop', 'bob-tablet', 'old-ana'].map(anonActor)];
    for (const order of [[...calls].reverse(), [calls[3]!, calls[1]!, calls[4]!, calls[0]!, calls[2]!]]) {
      const g = IdentityGraph.of(order);
      expect(actors.map((a) => g.personOf(a))).toEqual(actors.map((a) => expected.personOf(a)));
    }
  });

  it('lets an alias join two identified users, the one identified first keeping its name', () => {
    const g = IdentityGraph.of([
      identify('new-id', 'x', 1),
      identify('legacy', 'y', 2),
      alias('legacy', 'new-id', 3),
    ]);
    expect(g.personOf('legacy')).toBe('new-id');
    expect(g.personOf(anonActor('y'))).toBe('new-id');
    expect(g.usersOf('legacy')).toEqual(['new-id', 'legacy']);
  });

  it('leaves an actor no call names as a person of its own', () => {
    expect(IdentityGraph.of([]).personOf('anon:zed')).toBe('anon:zed');
    expect(IdentityGraph.of([]).actorsOf('zed')).toEqual(['zed']);
  });

  it('lists the joined ids for the engines, and lists them again once a call joins more', () => {
    const g = IdentityGraph.of([identify('ana', 'phone', 1)]);
    expect(g.joined()).toEqual({ ids: ['anon:phone'], persons: ['ana'] });
    // Applied later (the serving layer grows its graph with the speed view's new calls).
    g.apply(identify('ana', 'laptop', 2));
    g.apply(alias('old', 'ana', 3));
    const { ids, persons } = g.joined();
    expect(ids.map((id, i) => `${id}>${persons[i]}`).sort()).toEqual(
      ['anon:laptop>ana', 'anon:old>ana', 'anon:phone>ana', 'old>ana'].sort(),
    );
    // The same as building it from all three calls at once.
    const whole = IdentityGraph.of([
      identify('ana', 'phone', 1),
      identify('ana', 'laptop', 2),
      alias('old', 'ana', 3),
    ]);
    expect([...whole.joined().ids].sort()).toEqual([...ids].sort());
  });
});
