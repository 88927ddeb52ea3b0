import { describe, expect, it } from 'vitest';
import { evaluate, parseFormula } from './formula';

describe('insight formulas', () => {
  const at = (text: string, values: Record<string, number | null>) =>
    evaluate(parseFormula(text, Object.keys(values)), values);

  it('evaluates + - * / with precedence and parentheses over the series', () => {
    expect(at('A / B * 100', { A: 5, B: 20 })).toBe(25);
    expect(at('A - B', { A: 5, B: 20 })).toBe(-15);
    expect(at('(A - B) / B', { A: 30, B: 20 })).toBe(0.5);
    expect(at('A + B * 2', { A: 1, B: 2 })).toBe(5);
    expect(at('-A + 1.5', { A: 1 })).toBe(0.5);
  });

  it('gives null, never Infinity, for a missing value or a division by zero', () => {
    expect(at('A / B', { A: 5, B: 0 })).toBeNull();
    expect(at('A + B', { A: null, B: 1 })).toBeNull();
  });

  it('refuses what it cannot read, saying where', () => {
    expect(() => parseFormula('A / C', ['A', 'B'])).toThrow(/no series C/);
    expect(() => parseFormula('A / (B', ['A', 'B'])).toThrow(/not closed/);
    expect(() => parseFormula('A B', ['A', 'B'])).toThrow(/unexpected 'B'/);
    expect(() => parseFormula('A % B', ['A', 'B'])).toThrow(/unexpected '%'/);
    expect(() => parseFormula('', ['A'])).toThrow(/empty/);
    expect(() => parseFormula('A *', ['A'])).toThrow(/ends too soon/);
  });
});
