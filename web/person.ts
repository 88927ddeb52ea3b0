import type { PersonProfile } from '../serving-layer/query/person-query';
import { escape, get, shortTime } from './api';

const rows = (cells: string[][]) =>
  cells.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('');

const table = (title: string, head: string[], body: string[][], testid: string) =>
  `<section class="tile"><h2>${escape(title)}</h2><table data-testid="${testid}"><thead><tr>${head
    .map((h) => `<th>${escape(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows(body)}</tbody></table></section>`;

/** A person by any of its ids (`/person?id=`): every id joined, traits, totals, sessions, devices, places. */
export async function person(main: HTMLElement, zone: string): Promise<void> {
  const id = new URLSearchParams(location.search).get('id') ?? '';
  const form = `<section class="tile wide"><form id="find"><label>Person<input name="id" value="${escape(id)}" placeholder="a user id or an anonymous id" data-testid="person-id" /></label><button type="submit">Show</button></form></section>`;
  if (id === '') {
    main.innerHTML = form;
    return;
  }
  const p = await get<PersonProfile>(`/v1/persons/${encodeURIComponent(id)}`);
  const minutes = (s: { start: string; end: string }) =>
    `${Math.round((Date.parse(s.end) - Date.parse(s.start)) / 60_000)} min`;
  main.innerHTML = `${form}
    <section class="tile wide"><h2 data-testid="person-name">${escape(p.person)}</h2>
      <p class="meta" data-testid="person-ids">user ids: ${escape(p.ids.users.join(', ') || 'none')} · anonymous ids: ${escape(p.ids.anonymousIds.join(', ') || 'none')}</p>
      <p data-testid="person-totals">events: ${p.totals.events} · sessions: ${p.totals.sessions} · orders: ${p.totals.orders}${Object.entries(
        p.totals.revenue,
      )
        .map(([c, v]) => ` · revenue: ${escape(v.toFixed(2))} ${escape(c)}`)
        .join(
          '',
        )} · first seen ${shortTime(p.firstSeen, zone)} · last seen ${shortTime(p.lastSeen, zone)}</p></section>
    ${table(
      'Traits',
      ['trait', 'latest value'],
      Object.entries(p.traits).map(([k, v]) => [k, JSON.stringify(v)]),
      'person-traits',
    )}
    ${table(
      'Devices',
      ['device', 'os', 'browser', 'events'],
      p.devices.map((d) => [d.deviceType ?? '', d.os ?? '', d.browser ?? '', String(d.events)]),
      'person-devices',
    )}
    ${table(
      'Places',
      ['country', 'region', 'city', 'events'],
      p.places.map((d) => [d.country ?? '', d.region ?? '', d.city ?? '', String(d.events)]),
      'person-places',
    )}
    ${table(
      'Recent sessions',
      ['start', 'length', 'events', 'pages', 'entry page'],
      p.sessions.map((s) => [
        shortTime(s.start, zone),
        minutes(s),
        String(s.events),
        String(s.pages),
        s.entryPage ?? '',
      ]),
      'person-sessions',
    )}
    ${table(
      'Ids joined',
      ['when', 'cause', 'joined', 'into'],
      [
        ...p.merges.map((m) => [shortTime(m.at, zone), m.cause, m.merged, m.into]),
        ...p.refusals.map((r) => [
          shortTime(r.at, zone),
          `${r.cause}: not joined`,
          `${r.refused} on ${r.actor}`,
          r.keptWith,
        ]),
      ],
      'person-merges',
    )}
    ${table(
      'Latest events',
      ['time', 'event', 'type', 'id'],
      p.latest.map((e) => [shortTime(e.at, zone), e.event, e.type, e.actor]),
      'person-latest',
    )}`;
  (main.querySelector('#find') as HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new FormData(e.target as HTMLFormElement).get('id');
    location.href = `/person?id=${encodeURIComponent(String(next ?? ''))}`;
  });
}
