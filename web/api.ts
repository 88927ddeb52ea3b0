/** The serving API, called with the session cookie the sign-in link set. */
export type {
  EventsMessage,
  LiveMessage,
  SnapshotMessage,
  StoredEvent,
} from '../serving-layer/live/messages';

export class SignInNeeded extends Error {}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (res.status === 401)
    throw new SignInNeeded(
      'sign in first: ask for a link by email below (or ./platform login --project <id> prints one)',
    );
  if (res.status === 204) return undefined as T;
  const answer = (await res.json()) as T & { message?: string | string[] };
  if (!res.ok) {
    const m = answer.message;
    throw new Error(Array.isArray(m) ? m.join('; ') : (m ?? `HTTP ${res.status}`));
  }
  return answer;
}

export const get = <T>(path: string) => call<T>('GET', path);

/** A text answer (CSV): its body, or the error the API gave. */
export async function getText(path: string): Promise<string> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 401)
    throw new SignInNeeded('sign in first: ./platform login --project <id> prints a link');
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res.text();
}
export const post = <T>(path: string, body: unknown) => call<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => call<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => call<T>('PUT', path, body);
export const remove = (path: string) => call<void>('DELETE', path);

/** Whether the signed-in role may define things (an analyst, whose scopes include write): the server checks too. */
export const mayWrite = (scopes: readonly string[]) => scopes.includes('write') || scopes.includes('admin');

/** What a viewer with only the read scope sees where the editing controls would be. */
export const READ_ONLY_NOTE =
  'Read only: you are a viewer of this project. To change dashboards, ask an admin of the project for the analyst role.';

export interface Me {
  project: string;
  /** viewer, analyst, admin or owner: what the page offers (the server checks every change). */
  role: string;
  scopes: string[];
  /** A member's address (sessions from an emailed link or invitation). */
  email?: string;
  /** Who signed in (sessions from a sign-in link); tokens name no user. */
  user?: string;
  /** The signed-in user's zone (times on every page are shown in it); UTC when not set. */
  timeZone?: string;
}

export interface Bucket {
  start: string;
  dim?: string;
  value: number;
  source: 'batch' | 'speed' | 'late';
}

export interface MetricAnswer {
  metric: string;
  /** The range asked, as the API resolved it (ISO). */
  from: string;
  to: string;
  value: number;
  unit?: string;
  buckets: Bucket[];
  watermark: string | null;
  parts: { source: string; from: string; to: string }[];
}

/** Where each part of an answer came from, for the tile's footer, in the user's time zone. */
export const sources = (a: { parts: MetricAnswer['parts'] }, zone: string) =>
  a.parts.map((p) => `${p.source} ${shortTime(p.from, zone)}–${shortTime(p.to, zone)}`).join(', ');

/** 'MM-DD hh:mm' in the zone. */
export function shortTime(iso: string, zone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
