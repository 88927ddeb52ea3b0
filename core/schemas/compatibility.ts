import type { JsonSchema } from './registry';

/**
 * Backward compatibility of JSON Schemas: every payload the old version accepted must still be
 * accepted by the new one, so clients on the old version never get quarantined by an upgrade.
 * Checked structurally (a sound subset: when in doubt, report). Adding an optional property is
 * allowed: that is how events grow.
 */
export function backwardIncompatibilities(oldS: JsonSchema, newS: JsonSchema, path = ''): string[] {
  const at = path || '(root)';
  const problems: string[] = [];
  const types = (s: JsonSchema): Set<string> | undefined =>
    s.type === undefined
      ? undefined
      : new Set(Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]);
  const oldT = types(oldS);
  const newT = types(newS);
  if (newT && (!oldT || [...oldT].some((t) => !newT.has(t) && !(t === 'integer' && newT.has('number'))))) {
    problems.push(
      `${at}: type narrowed from ${oldT ? [...oldT].join('|') : 'any'} to ${[...newT].join('|')}`,
    );
  }
  const oldReq = new Set((oldS.required as string[] | undefined) ?? []);
  for (const r of (newS.required as string[] | undefined) ?? []) {
    if (!oldReq.has(r)) problems.push(`${at}: '${r}' became required`);
  }
  if (oldS.additionalProperties !== false && newS.additionalProperties === false) {
    problems.push(`${at}: additionalProperties became false`);
  }
  const oldProps = (oldS.properties as Record<string, JsonSchema> | undefined) ?? {};
  const newProps = (newS.properties as Record<string, JsonSchema> | undefined) ?? {};
  for (const [name, oldP] of Object.entries(oldProps)) {
    const newP = newProps[name];
    if (newP) problems.push(...backwardIncompatibilities(oldP, newP, `${path}/${name}`));
    else if (newS.additionalProperties === false) problems.push(`${at}: property '${name}' was removed`);
  }
  if (oldS.items && newS.items) {
    problems.push(
      ...backwardIncompatibilities(oldS.items as JsonSchema, newS.items as JsonSchema, `${path}/items`),
    );
  } else if (!oldS.items && newS.items) {
    problems.push(`${at}: items became constrained`);
  }
  if (Array.isArray(newS.enum)) {
    const allowed = new Set((newS.enum as unknown[]).map((v) => JSON.stringify(v)));
    const old = Array.isArray(oldS.enum) ? (oldS.enum as unknown[]) : undefined;
    if (!old) problems.push(`${at}: enum added`);
    else
      for (const v of old)
        if (!allowed.has(JSON.stringify(v))) problems.push(`${at}: enum value ${JSON.stringify(v)} removed`);
  }
  if ('const' in newS && JSON.stringify(newS.const) !== JSON.stringify(oldS.const))
    problems.push(`${at}: const changed`);
  for (const key of ['pattern', 'format'] as const) {
    if (newS[key] !== undefined && newS[key] !== oldS[key]) problems.push(`${at}: ${key} added or changed`);
  }
  // Lower bounds may only go down, upper bounds only up.
  for (const key of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const) {
    const n = newS[key] as number | undefined;
    const o = oldS[key] as number | undefined;
    if (n !== undefined && (o === undefined || n > o)) problems.push(`${at}: ${key} tightened to ${n}`);
  }
  for (const key of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const) {
    const n = newS[key] as number | undefined;
    const o = oldS[key] as number | undefined;
    if (n !== undefined && (o === undefined || n < o)) problems.push(`${at}: ${key} tightened to ${n}`);
  }
  return problems;
}

/** Checks each stored version against the one before it. */
export function checkVersionChain(
  versions: { event: string; version: number; schema: JsonSchema }[],
): string[] {
  const problems: string[] = [];
  for (let i = 1; i < versions.length; i++) {
    const prev = versions[i - 1];
    const next = versions[i];
    if (!prev || !next) continue;
    if (next.version !== prev.version + 1) {
      problems.push(`${next.event}: v${next.version} follows v${prev.version}: versions must be consecutive`);
    }
    for (const p of backwardIncompatibilities(prev.schema, next.schema)) {
      problems.push(`${next.event} v${prev.version} -> v${next.version}: ${p}`);
    }
  }
  return problems;
}
