/**
 * A formula over a defined metric's series (`A / B * 100`, `(A - B) / B`): numbers, the series'
 * letters, + - * / and parentheses, evaluated per bucket over the series' values. A value that is
 * not there (an average of nothing) or a division by zero makes the result null, never Infinity.
 */
export type Formula =
  | { kind: 'number'; value: number }
  | { kind: 'series'; name: string }
  | { kind: 'negate'; of: Formula }
  | { kind: 'op'; op: '+' | '-' | '*' | '/'; left: Formula; right: Formula };

const MAX_LENGTH = 200;

/** Parses a formula over the series named in `names`; throws an Error saying what is wrong. */
export function parseFormula(text: string, names: readonly string[]): Formula {
  if (text.length > MAX_LENGTH) throw new Error(`formula is longer than ${MAX_LENGTH} characters`);
  const tokens = text.match(/\d+(?:\.\d+)?|[A-Z]|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw new Error(`formula '${text}': ${what}`);
  };
  const primary = (): Formula => {
    const t = tokens[i++];
    if (t === undefined) return fail('ends too soon');
    if (/^\d/.test(t)) return { kind: 'number', value: Number(t) };
    if (/^[A-Z]$/.test(t)) {
      if (!names.includes(t)) fail(`no series ${t} (the series are ${names.join(', ')})`);
      return { kind: 'series', name: t };
    }
    if (t === '-') return { kind: 'negate', of: primary() };
    if (t === '(') {
      const inner = sum();
      if (tokens[i++] !== ')') fail("a '(' is not closed");
      return inner;
    }
    return fail(`unexpected '${t}'`);
  };
  const product = (): Formula => {
    let left = primary();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++] as '*' | '/';
      left = { kind: 'op', op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Formula => {
    let left = product();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++] as '+' | '-';
      left = { kind: 'op', op, left, right: product() };
    }
    return left;
  };
  if (tokens.length === 0) fail('is empty');
  const f = sum();
  if (i < tokens.length) fail(`unexpected '${tokens[i]}'`);
  return f;
}

/** The formula's value over the series' values; null when one it reads is null or it divides by zero. */
export function evaluate(f: Formula, values: Record<string, number | null>): number | null {
  switch (f.kind) {
    case 'number':
      return f.value;
    case 'series':
      return values[f.name] ?? null;
    case 'negate': {
      const v = evaluate(f.of, values);
      return v === null ? null : -v;
    }
    case 'op': {
      const a = evaluate(f.left, values);
      const b = evaluate(f.right, values);
      if (a === null || b === null) return null;
      if (f.op === '/') return b === 0 ? null : a / b;
      return f.op === '+' ? a + b : f.op === '-' ? a - b : a * b;
    }
  }
}
