import { describe, expect, it } from 'vitest';
import { backwardIncompatibilities, checkVersionChain } from './compatibility';
import { loadSchemaVersions, type JsonSchema } from './registry';

const base: JsonSchema = {
  type: 'object',
  properties: {
    order_id: { type: 'string', minLength: 1 },
    total: { type: 'number', minimum: 0 },
    qty: { type: 'integer' },
    status: { type: 'string', enum: ['paid', 'refunded'] },
    items: {
      type: 'array',
      items: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
    },
  },
  required: ['order_id'],
};

const evolve = (f: (s: JsonSchema) => void): JsonSchema => {
  const s = structuredClone(base);
  f(s);
  return s;
};
const props = (s: JsonSchema) => s.properties as Record<string, JsonSchema>;

describe('backward compatibility of event schemas', () => {
  it('every stored version chain is backward compatible', () => {
    for (const [, versions] of loadSchemaVersions()) expect(checkVersionChain(versions)).toEqual([]);
  });

  it.each([
    ['adding an optional property', (s: JsonSchema) => void (props(s).coupon = { type: 'string' })],
    ['widening integer to number', (s: JsonSchema) => void (props(s).qty = { type: 'number' })],
    [
      'adding an enum value',
      (s: JsonSchema) => void (props(s).status = { type: 'string', enum: ['paid', 'refunded', 'void'] }),
    ],
    ['relaxing a minimum', (s: JsonSchema) => void (props(s).order_id = { type: 'string', minLength: 0 })],
    ['dropping a requirement', (s: JsonSchema) => void (s.required = [])],
  ])('accepts %s', (_what, change) => {
    expect(backwardIncompatibilities(base, evolve(change))).toEqual([]);
  });

  it.each([
    [
      'a new required property',
      (s: JsonSchema) => void (s.required = ['order_id', 'total']),
      "'total' became required",
    ],
    [
      'a changed type',
      (s: JsonSchema) => void (props(s).total = { type: 'string' }),
      '/total: type narrowed',
    ],
    [
      'number narrowed to integer',
      (s: JsonSchema) => void (props(s).total = { type: 'integer' }),
      'type narrowed',
    ],
    [
      'a removed enum value',
      (s: JsonSchema) => void (props(s).status = { type: 'string', enum: ['paid'] }),
      '"refunded" removed',
    ],
    [
      'a tighter bound',
      (s: JsonSchema) => void (props(s).total = { type: 'number', minimum: 1 }),
      'minimum tightened',
    ],
    [
      'closing the object',
      (s: JsonSchema) => void (s.additionalProperties = false),
      'additionalProperties became false',
    ],
    [
      'a new pattern',
      (s: JsonSchema) => void (props(s).order_id = { type: 'string', minLength: 1, pattern: '^o-' }),
      'pattern',
    ],
    [
      'a nested array item change',
      (s: JsonSchema) =>
        void (props(s).items = {
          type: 'array',
          items: { type: 'object', properties: { sku: { type: 'integer' } } },
        }),
      '/items/items/sku: type narrowed',
    ],
  ])('refuses %s', (_what, change, problem) => {
    const problems = backwardIncompatibilities(base, evolve(change));
    expect(problems.join('\n')).toContain(problem);
  });

  it('refuses a version gap', () => {
    expect(
      checkVersionChain([
        { event: 'e', version: 1, schema: base },
        { event: 'e', version: 3, schema: base },
      ]),
    ).toEqual(['e: v3 follows v1: versions must be consecutive']);
  });
});
