import { describe, expect, it } from 'vitest';
import { definitionProblems } from '../metadata/definition-store';
import { InsightSchema } from './definition';

const problems = (d: unknown) => {
  const r = InsightSchema.safeParse(d);
  return r.success ? '' : definitionProblems(r.error);
};

describe('insight definitions', () => {
  it('take a measure, events, filters and a split, each checked', () => {
    expect(
      problems({
        id: 'avg-order-pro',
        events: ['purchase'],
        measure: { kind: 'average', property: 'property.total_amount' },
        filters: { and: [{ property: 'person.plan', op: 'equals', value: 'pro' }] },
        groupBy: 'country',
      }),
    ).toBe('');
    expect(problems({ id: 'all', measure: { kind: 'unique_persons' } })).toBe('');
    expect(
      problems({
        id: 'conversion',
        series: {
          A: { events: ['purchase'], measure: { kind: 'count' } },
          B: { events: ['page'], measure: { kind: 'count' } },
        },
        formula: 'A / B * 100',
        groupBy: 'country',
      }),
    ).toBe('');
  });

  it('say what is wrong, field by field', () => {
    expect(problems({ id: 'Bad Id', measure: { kind: 'count' } })).toMatch(/id: lowercase letters/);
    expect(problems({ id: 'x', measure: { kind: 'median', property: 'property.a' } })).toMatch(/measure/);
    expect(problems({ id: 'x', measure: { kind: 'sum' } })).toMatch(/measure/);
    expect(problems({ id: 'x', measure: { kind: 'sum', property: 'planet' } })).toMatch(
      /measure.*'planet' is not an event dimension/,
    );
    expect(problems({ id: 'x', measure: { kind: 'count' }, groupBy: 'person.' })).toMatch(
      /groupBy.*names no trait/,
    );
    expect(
      problems({
        id: 'x',
        measure: { kind: 'count' },
        filters: { property: 'property.p', op: 'regex', value: '(a*)*' },
      }),
    ).toMatch(/filters.*exponential time/);
    expect(problems({ id: 'x', measure: { kind: 'count' }, extra: 1 })).toMatch(/extra|Unrecognized/i);
    expect(problems({ id: 'x' })).toMatch(/measure: a measure, or series and a formula/);
    expect(problems({ id: 'x', formula: 'A / B', series: { A: { measure: { kind: 'count' } } } })).toMatch(
      /formula.*no series B/,
    );
    expect(
      problems({
        id: 'x',
        formula: 'A',
        measure: { kind: 'count' },
        series: { A: { measure: { kind: 'count' } } },
      }),
    ).toMatch(/each series has its own/);
  });
});
