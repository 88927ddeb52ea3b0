import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import type { Config } from '../../core/config/config';

/**
 * Per key, `perMinute` requests a minute refilled evenly, with bursts of ten seconds' worth (at
 * least 10): a dashboard loading its tiles at once is a burst; a client spending a whole minute's
 * rate in one second would crowd the engines for everyone else.
 */
class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.capacity = Math.min(perMinute, Math.max(10, perMinute / 6));
  }

  /** Takes one; undefined when admitted, else the seconds until one is there. */
  take(key: string): number | undefined {
    const t = this.now();
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: t };
    b.tokens = Math.min(this.capacity, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
    }
    b.tokens -= 1;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    // Bounded: the least recently used go first (a full bucket and a forgotten one are the same).
    if (this.buckets.size > 100_000) this.buckets.delete(this.buckets.keys().next().value as string);
    return undefined;
  }
}

/** At most `max` at once per key; the rest wait in order of arrival, each up to a deadline. */
class Slots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly max: number) {}

  async acquire(key: string, waitMs: number, refusal: () => Error): Promise<() => void> {
    if ((this.running.get(key) ?? 0) >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(key) ?? [];
        this.waiting.set(key, queue);
        const turn = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const i = queue.indexOf(turn);
          if (i >= 0) queue.splice(i, 1);
          reject(refusal());
        }, waitMs);
        queue.push(turn);
      });
    } else this.running.set(key, (this.running.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.get(key)?.shift();
      // The slot passes straight to the next in line; the count only drops when nobody waits.
      if (next) return next();
      if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
      const n = (this.running.get(key) ?? 1) - 1;
      if (n === 0) this.running.delete(key);
      else this.running.set(key, n);
    };
  }
}

/**
 * How much one caller may ask of the API: requests per minute per token (or session) and per
 * project, and queries on the engines at once per project (half of them per token), so one
 * client hammering the API meets 429s and its own queue while every other client is answered.
 * Held per serving process: behind a load balancer of N processes a token gets N times the rate.
 */
export class RequestLimits {
  private readonly perToken: Buckets;
  private readonly perProject: Buckets;
  private readonly projectSlots: Slots;
  private readonly tokenSlots: Slots;
  /** Routes anyone may call that send mail (a sign-in link): per client address. */
  private readonly perAddress: Buckets;

  constructor(
    private readonly settings: Config['access'],
    now: () => number = Date.now,
  ) {
    this.perToken = new Buckets(settings.ratePerMinute, now);
    this.perProject = new Buckets(settings.projectRatePerMinute, now);
    this.projectSlots = new Slots(settings.heavyConcurrency);
    this.tokenSlots = new Slots(Math.max(1, Math.ceil(settings.heavyConcurrency / 2)));
    this.perAddress = new Buckets(20, now);
  }

  /** Counts a request made without credentials that costs something (an email); 429 past 20 a minute. */
  admitAnonymous(address: string): void {
    const wait = this.perAddress.take(address);
    if (wait !== undefined) throw tooMany(wait, `too many requests from ${address}: retry after ${wait} s`);
  }

  /** Counts a request; throws a 429 with Retry-After when the token or its project is over its rate. */
  admit(actor: string, project: string): void {
    const refused = this.refusal(actor, project);
    if (refused) throw tooMany(refused.retryAfter, refused.message);
  }

  /** Counts a request; when it is over a rate, why and in how many seconds to retry. */
  refusal(actor: string, project: string): { retryAfter: number; message: string } | undefined {
    const token = this.perToken.take(actor);
    if (token !== undefined)
      return {
        retryAfter: token,
        message: `this token is over its ${this.settings.ratePerMinute} requests per minute: retry after ${token} s`,
      };
    // Only what the token was allowed counts against its project: refused requests starve nobody.
    const shared = this.perProject.take(project);
    if (shared !== undefined)
      return {
        retryAfter: shared,
        message: `project ${project} is over its ${this.settings.projectRatePerMinute} requests per minute (all its tokens together): retry after ${shared} s`,
      };
    return undefined;
  }

  /** Waits for a turn to query the engines; the returned function ends it. */
  async heavy(actor: string, project: string): Promise<() => void> {
    const wait = this.settings.queryTimeoutMs;
    const busy = (whose: string) => () =>
      new ServiceUnavailableException(
        `${whose} queries kept every turn busy for ${wait >= 1000 ? `${Math.round(wait / 1000)} s` : `${wait} ms`}: try again shortly, or ask for less at once`,
      );
    const mine = await this.tokenSlots.acquire(actor, wait, busy("this token's own"));
    try {
      const shared = await this.projectSlots.acquire(project, wait, busy(`project ${project}'s`));
      return () => {
        shared();
        mine();
      };
    } catch (e) {
      mine();
      throw e;
    }
  }
}

function tooMany(retryAfterSeconds: number, message: string): HttpException {
  return new HttpException(
    { statusCode: 429, message, retryAfter: retryAfterSeconds },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
