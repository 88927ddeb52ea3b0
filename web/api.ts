/** The serving API, called with the session cookie the sign-in link set. */
export class SignInNeeded extends Error {}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 401)
    throw new SignInNeeded('sign in first: ./platform login --project <id> prints a link');
  const body = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

export interface Bucket {
  start: string;
  dim?: string;
  value: number;
  source: 'batch' | 'speed' | 'late';
}

export interface MetricAnswer {
  metric: string;
  value: number;
  unit?: string;
  buckets: Bucket[];
  watermark: string | null;
  parts: { source: string; from: string; to: string }[];
}

export interface Snapshot {
  type: 'snapshot';
  project: string;
  at: string;
  eventsPerMinute: { minute: string; count: number }[];
  activeUsers: number;
  eventsThisMinute: number;
  lastReceived: string | null;
}

/** Where each part of an answer came from, for the tile's footer. */
export const sources = (a: MetricAnswer) =>
  a.parts
    .map((p) => `${p.source} ${p.from.slice(5, 16).replace('T', ' ')}–${p.to.slice(5, 16).replace('T', ' ')}`)
    .join(', ');
