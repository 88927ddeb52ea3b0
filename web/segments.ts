import { escape, mayWrite, get, getText, type Bucket } from './api';
import { defineFormHtml, wireDefineForm } from './define-form';
import { segmentBody, segmentFields } from './segment-form';
import { timeSeries } from './charts';

interface Segment {
  definition: { id: string; name?: string; description?: string; condition: unknown };
  version: number;
}
interface Size {
  buckets: { start: string; members: number; known: number }[];
  parts: { source: string; from: string; to: string }[];
}
interface Answer {
  value: number;
  buckets: Bucket[];
}

/** Members named (each a link to their person) before the CSV takes over. */
const MEMBERS_SHOWN = 30;
const DAY = 86_400_000;
const EXAMPLE = {
  id: 'repeat-buyers',
  name: 'Repeat buyers',
  condition: {
    and: [
      { event: 'purchase', atLeast: 2, inLastDays: 30 },
      { not: { trait: 'country', op: 'in', values: ['FR'] } },
    ],
  },
};

/**
 * Segments of the project: pick one to see its size each day of the last two weeks (members and
 * known users), what its members did beside everyone (events per day), its definition, and its
 * members as CSV; an admin defines one with a form (or by its JSON, the API's body).
 */
export async function segments(main: HTMLElement, scopes: string[], zone: string): Promise<void> {
  const params = new URLSearchParams(location.search);
  const { segments: all } = await get<{ segments: Segment[] }>('/v1/segments');
  const id = params.get('id') ?? all[0]?.definition.id;
  main.innerHTML = `
    <section class="tile wide">
      <form id="pick" class="toolbar">
        <label>Segment<select name="id" data-testid="segment-select">${all
          .map(
            (s) =>
              `<option value="${escape(s.definition.id)}"${s.definition.id === id ? ' selected' : ''}>${escape(s.definition.name ?? s.definition.id)}</option>`,
          )
          .join('')}</select></label>
        <button>Show</button>
      </form>
    </section>
    <div id="segment" class="wide"></div>
    ${mayWrite(scopes) ? defineFormHtml('segment', segmentFields(), EXAMPLE, 12) : ''}`;
  const pick = main.querySelector('#pick') as HTMLFormElement;
  pick.addEventListener('submit', (e) => {
    e.preventDefault();
    history.pushState(
      null,
      '',
      `/segments?id=${encodeURIComponent(String(new FormData(pick).get('id') ?? ''))}`,
    );
    void segments(main, scopes, zone);
  });
  wireDefineForm(main, '/v1/segments', '/segments', () => segments(main, scopes, zone), segmentBody);
  const out = main.querySelector('#segment') as HTMLElement;
  const chosen = all.find((s) => s.definition.id === id);
  if (!id || !chosen) {
    out.innerHTML = '<section class="tile"><p>No segment yet.</p></section>';
    return;
  }
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const range = new URLSearchParams({
    from: new Date(to.getTime() - 14 * DAY).toISOString(),
    to: to.toISOString(),
  });
  const path = `/v1/segments/${encodeURIComponent(id)}`;
  const [size, events, csv] = await Promise.all([
    get<Size>(`${path}/size?${range}&granularity=day`),
    get<Answer>(`/v1/metrics/events?${range}&granularity=day&segment=${encodeURIComponent(id)}`),
    getText(`${path}/members`),
  ]);
  // The members' names: each CSV line's first field (quoted when it holds a comma or a quote).
  const names = csv
    .split('\r\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) =>
      l.startsWith('"') ? (/^"((?:[^"]|"")*)"/.exec(l)?.[1] ?? '').replaceAll('""', '"') : l.split(',')[0]!,
    );
  const last = size.buckets.at(-1);
  out.innerHTML = `
    <section class="tile wide">
      <h2>${escape(chosen.definition.name ?? id)}</h2>
      <p class="meta">${escape(chosen.definition.description ?? '')}</p>
      <p><span class="big" data-testid="segment-members">${last?.members ?? 0}</span> members of ${last?.known ?? 0} known users now ·
        <a href="${path}/members" download="${escape(id)}-members.csv" data-testid="segment-csv">members as CSV</a></p>
      <div class="chart" data-testid="segment-size-chart"></div>
      <p class="meta">Members at the end of each UTC day; a person belongs when their latest traits and their behaviour (over all their ids) meet the condition.</p>
      <p data-testid="segment-member-list">${names
        .slice(0, MEMBERS_SHOWN)
        .map((n) => `<a href="/person?id=${encodeURIComponent(n)}">${escape(n)}</a>`)
        .join(
          ' · ',
        )}${names.length > MEMBERS_SHOWN ? ` · and ${names.length - MEMBERS_SHOWN} more (CSV)` : ''}</p>
    </section>
    <section class="tile wide">
      <h2>Events of members (while members)</h2>
      <div class="chart" data-testid="segment-events-chart"></div>
      <p class="meta">${events.value} events in 14 days.</p>
    </section>
    <section class="tile wide">
      <h2>Definition</h2>
      <pre data-testid="segment-definition">${escape(JSON.stringify(chosen.definition.condition, null, 2))}</pre>
    </section>`;
  timeSeries(
    out.querySelector('[data-testid=segment-size-chart]') as HTMLElement,
    [
      {
        name: 'members',
        points: size.buckets.map((b) => ({ start: b.start, value: b.members, source: 'batch' as const })),
      },
      {
        name: 'known users',
        points: size.buckets.map((b) => ({ start: b.start, value: b.known, source: 'batch' as const })),
      },
    ],
    { zone: 'UTC' },
  );
  timeSeries(
    out.querySelector('[data-testid=segment-events-chart]') as HTMLElement,
    [{ name: 'events', points: events.buckets }],
    {
      kind: 'bar',
      zone: 'UTC',
    },
  );
}
