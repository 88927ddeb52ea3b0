import { BadQueryError } from './errors';

/** An integer query parameter within [min, max], or its default. */
export function intParam(raw: unknown, name: string, def: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new BadQueryError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** One of a fixed set of words, or its default. */
export function choiceParam<T extends string>(raw: unknown, name: string, choices: readonly T[], def: T): T {
  if (raw === undefined || raw === '') return def;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new BadQueryError(`${name} must be one of ${choices.join(', ')}`);
  }
  return raw as T;
}

/** The ratio, or 0 when there is nothing to divide by. */
export const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
