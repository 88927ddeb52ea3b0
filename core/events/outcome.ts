import { eventOutcomes } from '../ops/operational-metrics';

/**
 * What becomes of an event at a step of its way (the collector, the speed layer, the archiver),
 * in one vocabulary, so every step says the same thing of each event and counts it the same way
 * (`event_outcomes_total{step, outcome, reason}`):
 *
 * - `ok`: kept; it goes on to the next step;
 * - `quarantine`: the collector's judgement on a call that is not a valid event, kept aside with
 *   its reason (the quarantine topic, then the lake's quarantine folder) for someone to look at;
 * - `drop`: not kept by this step, on purpose: an erased user's new event, a duplicate the speed
 *   layer has already counted, an event too old for the speed view (the batch layer has it);
 * - `dead_letter`: a record a consumer cannot use (not an event, or one its store refuses), sent to
 *   the dead-letter topic with the range's commit so the records around it go on.
 */
export type Ok<T> = { kind: 'ok'; value: T };
export type Quarantine = { kind: 'quarantine'; reason: string; cause: QuarantineCause; oversized: boolean };
export type Drop = { kind: 'drop'; reason: DropReason };
export type DeadLettered = { kind: 'dead_letter'; reason: DeadLetterReason; error: string };
export type Outcome<T> = Ok<T> | Quarantine | Drop | DeadLettered;
export type OutcomeKind = Outcome<unknown>['kind'];

/** Why an event was quarantined, as a bounded label (the reason is the caller's full text). */
export type QuarantineCause = 'encoding' | 'event' | 'schema' | 'size';
/** `beyond_horizon`: older than the speed view keeps; the batch layer answers for it. */
export type DropReason = 'erased_user' | 'duplicate' | 'beyond_horizon';
/** `poison`: not an event at all; `refused`: an event its store will not hold. */
export type DeadLetterReason = 'poison' | 'refused';

export type Step = 'ingest' | 'speed' | 'archive';

/** The bounded label an outcome is counted under. */
function reasonOf(o: { kind: OutcomeKind; cause?: string; reason?: string }): string {
  if (o.kind === 'quarantine') return o.cause ?? '';
  if (o.kind === 'drop' || o.kind === 'dead_letter') return o.reason ?? '';
  return '';
}

/**
 * The outcomes of one step's work (a request, a range), counted once that work is durable (the
 * broker holds the events, the range committed): a scrape says what happened, not what was tried.
 */
export class OutcomeTally {
  private readonly counts = new Map<string, { kind: OutcomeKind; reason: string; n: number }>();

  add(o: Pick<Outcome<unknown>, 'kind'> & { cause?: string; reason?: string }, n = 1): void {
    if (n <= 0) return;
    const reason = reasonOf(o);
    const key = `${o.kind}|${reason}`;
    const c = this.counts.get(key);
    if (c) c.n += n;
    else this.counts.set(key, { kind: o.kind, reason, n });
  }

  /** How many of this kind (of any reason). */
  of(kind: OutcomeKind): number {
    let n = 0;
    for (const c of this.counts.values()) if (c.kind === kind) n += c.n;
    return n;
  }

  entries(): { kind: OutcomeKind; reason: string; n: number }[] {
    return [...this.counts.values()];
  }

  count(step: Step): void {
    for (const c of this.counts.values()) eventOutcomes.inc({ step, outcome: c.kind, reason: c.reason }, c.n);
  }
}
