/** A Terraform type constraint, parsed: what the contract check compares the rendered contracts with. */
export type TfType =
  | { kind: 'string' | 'number' | 'bool' | 'any' }
  | { kind: 'list' | 'set' | 'map'; of: TfType }
  | { kind: 'object'; attrs: Record<string, TfType> };

/** Parses `object({ a = string, b = list(object({ c = number })) })` and the like. */
export function parseType(src: string): TfType {
  let i = 0;
  const ws = () => {
    while (i < src.length && /[\s,]/.test(src[i]!)) i++;
  };
  const word = () => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (!m) throw new Error(`type expression: a name expected at ${i} in '${src}'`);
    i += m[0].length;
    return m[0];
  };
  const expect = (c: string) => {
    ws();
    if (src[i] !== c) throw new Error(`type expression: '${c}' expected at ${i} in '${src}'`);
    i++;
  };
  const type = (): TfType => {
    const w = word();
    if (w === 'string' || w === 'number' || w === 'bool' || w === 'any') return { kind: w };
    if (w === 'list' || w === 'set' || w === 'map') {
      expect('(');
      const of = type();
      expect(')');
      return { kind: w, of };
    }
    if (w === 'object') {
      expect('(');
      expect('{');
      const attrs: Record<string, TfType> = {};
      ws();
      while (src[i] !== '}') {
        const name = word();
        expect('=');
        attrs[name] = type();
        ws();
      }
      expect('}');
      expect(')');
      return { kind: 'object', attrs };
    }
    throw new Error(`type expression: unknown type '${w}' in '${src}'`);
  };
  const t = type();
  ws();
  if (i !== src.length) throw new Error(`type expression: trailing text at ${i} in '${src}'`);
  return t;
}

/**
 * Where a value and a type disagree, as paths. Unlike Terraform's conversion, an attribute the
 * type does not declare is reported, not dropped: a name the code added must reach Terraform.
 */
export function mismatches(value: unknown, type: TfType, path = 'contracts'): string[] {
  switch (type.kind) {
    case 'any':
      return [];
    case 'string':
    case 'number':
    case 'bool':
      return typeof value === (type.kind === 'bool' ? 'boolean' : type.kind)
        ? []
        : [`${path} is not a ${type.kind}`];
    case 'list':
    case 'set':
      return Array.isArray(value)
        ? value.flatMap((v, k) => mismatches(v, type.of, `${path}[${k}]`))
        : [`${path} is not a ${type.kind}`];
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => mismatches(v, type.of, `${path}.${k}`))
        : [`${path} is not a map`];
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${path} is not an object`];
      const v = value as Record<string, unknown>;
      return [
        ...Object.keys(v)
          .filter((k) => !(k in type.attrs))
          .map((k) => `${path}.${k} is rendered by the code but not declared in the variable's type`),
        ...Object.keys(type.attrs)
          .filter((k) => !(k in v))
          .map((k) => `${path}.${k} is declared in the variable's type but the code renders no such name`),
        ...Object.entries(type.attrs).flatMap(([k, t]) =>
          k in v ? mismatches(v[k], t, `${path}.${k}`) : [],
        ),
      ];
    }
  }
}
