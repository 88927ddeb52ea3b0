import { expect } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { waitFor } from './wait-for';

/** A metric answer as the tests read it. */
export interface MetricBody {
  value: number;
  buckets: { start: string; dim?: string; value: number }[];
  groups?: { dim: string; value: number }[];
  parts: { source: string }[];
  standardError?: number;
  message?: string;
}

/** An answer's buckets summed per group (`dim`), groups in order. */
export const byDim = (b: MetricBody) => {
  const m = new Map<string, number>();
  for (const c of b.buckets) m.set(c.dim ?? '', (m.get(c.dim ?? '') ?? 0) + c.value);
  return Object.fromEntries([...m].sort());
};

/**
 * Asks the serving API as a reader of `project`: `get` once; `poll` until the answer (picked by
 * `pick`, per group by default) is the truth, then requires it, answered by both layers (the
 * sealed hour from the lake, this hour from the speed view).
 */
export async function metricAsker(s: { config: Config; urls: { api?: string } }, project: string) {
  const token = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['read'] });
  const get = async (path: string) => {
    const res = await fetch(`${s.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as MetricBody };
  };
  const poll = async (path: string, expected: unknown, pick: (b: MetricBody) => unknown = byDim) => {
    const r = await waitFor(
      () => get(path),
      (r) => r.status === 200 && JSON.stringify(pick(r.body)) === JSON.stringify(expected),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(pick(r.body)).toEqual(expected);
    expect(r.body.parts.map((p) => p.source).sort()).toEqual(['batch', 'speed']);
    return r.body;
  };
  return { get, poll };
}
