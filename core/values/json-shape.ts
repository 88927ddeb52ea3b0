/** Where a parsed JSON value breaks the shape every entry point accepts, and how. */
export interface JsonProblem {
  /** `body.tiles[0].title`-style path to the value. */
  path: string;
  problem: string;
}

/**
 * The first place in `value` nested deeper than `maxDepth`, or (with `noNul`) holding a NUL
 * character in a string or a key. Iterative, so a body nested 100,000 deep is answered, not a
 * stack overflow: the check runs before any recursive code (a schema, a serializer) sees it.
 */
export function jsonProblem(
  value: unknown,
  o: { root: string; maxDepth: number; noNul?: boolean },
): JsonProblem | undefined {
  const stack: [unknown, string, number][] = [[value, o.root, 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop() as [unknown, string, number];
    if (typeof v === 'string') {
      if (o.noNul && v.includes('\u0000')) return { path, problem: `${path} holds a NUL character` };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= o.maxDepth)
      return { path, problem: `${path} nests deeper than ${o.maxDepth} levels: flatten it` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`, depth + 1]);
      continue;
    }
    for (const [k, x] of Object.entries(v)) {
      const at = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      if (o.noNul && k.includes('\u0000'))
        return { path: at, problem: `the key ${at} holds a NUL character` };
      stack.push([x, at, depth + 1]);
    }
  }
  return undefined;
}
