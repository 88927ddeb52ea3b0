import { describe, expect, it } from 'vitest';
import { ExperimentSchema } from '../../core/experiments/definition';
import { experimentResults } from '../../core/experiments/results';
import { ROWS_PER_TURN } from '../../core/turns';
import { computeFunnel } from '../../serving-layer/query/funnel';
import { computeRetention } from '../../serving-layer/query/retention';

/**
 * Heavy work leaves the event loop turning: every role may share one Node process, so a request
 * whose rows are counted in Node (an experiment's results, a funnel, retention, a segment) once
 * held /health and the collector until it ended. Each such loop now hands the event loop back
 * every ROWS_PER_TURN rows. Shown deterministically: a callback queued just after the work starts
 * (as a request that arrives meanwhile) runs before the work ends, and the loop turns at least
 * once per ROWS_PER_TURN rows. On the code before, each of these ran to its end first.
 */
async function turnsDuring<T>(
  work: () => Promise<T>,
): Promise<{ r: T; servedBeforeEnd: boolean; turns: number }> {
  let ended = false;
  let servedBeforeEnd = false;
  let turns = 0;
  setImmediate(() => (servedBeforeEnd = !ended));
  // Counts the loop's turns while the work runs (each immediate queues the next until it ends).
  const count = () => {
    if (ended) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  const r = await work();
  ended = true;
  return { r, servedBeforeEnd, turns };
}

const ROWS = 5 * ROWS_PER_TURN;
const HOUR = 3_600_000;
const t0 = Date.parse('2026-03-02T00:00:00Z');

describe('heavy work leaves the event loop turning', () => {
  it("an experiment's statistics over many users", async () => {
    const e = ExperimentSchema.parse({
      id: 'turns',
      variations: [
        { id: 'a', weight: 0.5 },
        { id: 'b', weight: 0.5 },
      ],
      start: new Date(t0).toISOString(),
      goals: [{ kind: 'conversion', event: 'purchase' }],
    });
    const exposures = Array.from({ length: ROWS }, (_, i) => ({
      actor: `u${i}`,
      at: t0 + i,
      variation: i % 2 ? 'b' : 'a',
    }));
    const purchases = exposures.map((x) => ({ actor: x.actor, at: x.at + 1, value: 1 }));
    const run = await turnsDuring(() =>
      experimentResults(e, exposures, [purchases], {
        alpha: 0.05,
        cuped: false,
        sequentialTuning: undefined,
      }),
    );
    expect(run.r.variations.map((v) => v.users)).toEqual([ROWS / 2, ROWS / 2]);
    expect(run.servedBeforeEnd).toBe(true);
    expect(run.turns).toBeGreaterThanOrEqual(5);
  });

  it('a funnel and retention over many rows', async () => {
    const steps = Array.from(
      { length: ROWS },
      (_, i) => [`u${i}`, 'page', t0 + i] as [string, string, number],
    );
    const funnel = await turnsDuring(() => computeFunnel(steps, ['page'], HOUR));
    expect(funnel.r[0]?.users).toBe(ROWS);
    expect(funnel.servedBeforeEnd).toBe(true);
    expect(funnel.turns).toBeGreaterThanOrEqual(5);
    const days = steps.map(([actor]) => [actor, t0] as [string, number]);
    const retention = await turnsDuring(() => computeRetention(days, 'day', new Date(t0 + 86_400_000)));
    expect(retention.r[0]?.size).toBe(ROWS);
    expect(retention.servedBeforeEnd).toBe(true);
    expect(retention.turns).toBeGreaterThanOrEqual(5);
  });
});
