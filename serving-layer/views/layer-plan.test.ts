import { describe, expect, it } from 'vitest';
import { planLayers, type HourFacts } from './layer-plan';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 0);
const h = (n: number) => T0 + n * HOUR;
const range = (a: number, b: number) => ({ from: new Date(h(a)), to: new Date(h(b)) });

/** Hours 0..9; watermark at the end of hour 5; the speed view holds hours 3 and later. */
function facts(
  o: { views?: number[]; late?: number[]; lake?: number[]; watermarkEnd?: number | undefined } = {},
): HourFacts {
  const views = new Set((o.views ?? [0, 1, 2, 3, 4, 5]).map(h));
  const late = new Set((o.late ?? []).map(h));
  const lake = new Set((o.lake ?? []).map(h));
  return {
    watermarkEnd: 'watermarkEnd' in o ? o.watermarkEnd : h(6),
    horizonStart: h(3),
    published: (x) => views.has(x),
    late: (x) => late.has(x),
    lakeHolds: (x) => lake.has(x),
  };
}
const shape = (p: ReturnType<typeof planLayers>) =>
  p.parts.map((x) => `${x.source}:${(x.from.getTime() - T0) / HOUR}-${(x.to.getTime() - T0) / HOUR}`);

describe('planLayers', () => {
  it('answers sealed hours from the batch view and the rest from the speed view', () => {
    const p = planLayers(range(0, 9), facts());
    expect(shape(p)).toEqual(['batch:0-6', 'speed:6-9']);
    expect(p.refused).toEqual([]);
  });

  it('answers a sealed hour with late events from the speed view, inside its horizon', () => {
    expect(shape(planLayers(range(0, 9), facts({ late: [4] })))).toEqual([
      'batch:0-4',
      'late:4-5',
      'batch:5-6',
      'speed:6-9',
    ]);
  });

  it('refuses a sealed hour with late events beyond the horizon rather than show a stale number', () => {
    const p = planLayers(range(0, 9), facts({ late: [1] }));
    expect(p.refused).toEqual([{ hour: h(1), needs: 'repair' }]);
  });

  it('does not take hours before the first sealed hour for sealed: inside the horizon the speed view answers', () => {
    const p = planLayers(range(0, 9), facts({ views: [4, 5], lake: [0, 3] }));
    expect(shape(p)).toEqual(['batch:0-3', 'speed:3-4', 'batch:4-6', 'speed:6-9']);
    // Hour 0 holds events, has no view and the speed view no longer has it: refused, never zero.
    expect(p.refused).toEqual([{ hour: h(0), needs: 'backfill' }]);
    // An hour without a view or events beyond the horizon is an empty hour.
    expect(shape(planLayers(range(1, 9), facts({ views: [4, 5], lake: [3] })))).toEqual([
      'batch:1-3',
      'speed:3-4',
      'batch:4-6',
      'speed:6-9',
    ]);
  });

  it('refuses hours after the watermark that the speed view no longer holds but the lake does', () => {
    const p = planLayers(range(0, 9), facts({ watermarkEnd: undefined, lake: [1, 2] }));
    expect(shape(p)).toEqual(['speed:0-9']);
    expect(p.refused.map((r) => r.hour)).toEqual([h(1), h(2)]);
  });

  it('clips the parts to a range that does not start or end on an hour', () => {
    const p = planLayers(
      { from: new Date(h(3) + 90_000), to: new Date(h(7) + 60_000) },
      facts({ late: [4] }),
    );
    expect(p.parts.map((x) => [x.source, x.from.toISOString(), x.to.toISOString()])).toEqual([
      ['batch', new Date(h(3) + 90_000).toISOString(), new Date(h(4)).toISOString()],
      ['late', new Date(h(4)).toISOString(), new Date(h(5)).toISOString()],
      ['batch', new Date(h(5)).toISOString(), new Date(h(6)).toISOString()],
      ['speed', new Date(h(6)).toISOString(), new Date(h(7) + 60_000).toISOString()],
    ]);
  });
});
