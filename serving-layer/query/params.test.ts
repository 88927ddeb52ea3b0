import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../openapi';
import { BadQueryError } from './errors';
import { ContentParams, FunnelParams, MetricParams, parseParams, RetentionParams } from './params';

describe('query parameters (one zod schema per route)', () => {
  it('fills defaults, treats empty parameters as absent and converts numbers and lists', () => {
    expect(parseParams(ContentParams, { limit: '', sort: 'engagement', contentId: 'c-1,c-2' })).toEqual({
      limit: 20,
      sort: 'engagement',
      contentId: ['c-1', 'c-2'],
    });
    expect(parseParams(FunnelParams, { steps: 'a, b ,c' })).toMatchObject({
      steps: ['a', 'b', 'c'],
      windowSeconds: 86_400,
    });
    expect(parseParams(MetricParams, {})).toMatchObject({ granularity: 'hour' });
  });

  it('refuses bad input with a 400 that names every problem', () => {
    const refuse = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(BadQueryError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refuse(() => parseParams(ContentParams, { limit: '0', sort: 'loudness' }))).toBe(
      'limit must be a whole number from 1 to 1000; sort must be one of plays, watch_time, completions, completion_rate, engagement',
    );
    expect(refuse(() => parseParams(ContentParams, { limit: '1e3' }))).toMatch(
      /limit must be a whole number/,
    );
    expect(refuse(() => parseParams(FunnelParams, {}))).toMatch(/^steps is required/);
    expect(refuse(() => parseParams(FunnelParams, { steps: 'a' }))).toBe('a funnel has 2 to 10 steps, not 1');
    expect(refuse(() => parseParams(MetricParams, { from: 'yesterday' }))).toMatch(
      /from must be an ISO-8601 time/,
    );
    expect(refuse(() => parseParams(MetricParams, { from: ['a', 'b'] }))).toBe('from must be given once');
    expect(refuse(() => parseParams(RetentionParams, { event: 'x'.repeat(201) }))).toMatch(/at most 200/);
  });

  it('is what the OpenAPI document describes', () => {
    const doc = openApiDocument() as unknown as {
      paths: Record<string, { get: { parameters: { name: string; required: boolean; schema: unknown }[] } }>;
    };
    const params = (path: string) => doc.paths[path]?.get.parameters ?? [];
    expect(params('/v1/funnels').map((p) => [p.name, p.required])).toEqual([
      ['from', false],
      ['to', false],
      ['segment', false],
      ['persons', false],
      ['steps', true],
      ['windowSeconds', false],
      ['order', false],
      ['exclude', false],
      ['breakdown', false],
      ['limit', false],
    ]);
    expect(params('/v1/content').find((p) => p.name === 'sort')?.schema).toMatchObject({
      enum: ['plays', 'watch_time', 'completions', 'completion_rate', 'engagement'],
      default: 'plays',
    });
    expect(Object.keys(ContentParams.shape)).toEqual(params('/v1/content').map((p) => p.name));
  });
});
