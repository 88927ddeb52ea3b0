import { csvLine } from '../core/values/csv';
import {
  escape,
  get,
  mayWrite,
  post,
  patch,
  READ_ONLY_NOTE,
  shortTime,
  sources,
  type MetricAnswer,
} from './api';
import { timeSeries } from './charts';
import type { Dashboard } from './dashboards';
import { RANGE_PRESETS, presetLabel, resolveRange, type RangePreset, type TileRange } from './ranges';
import { tileRequest, type Tile } from './tiles';

interface Listing {
  metrics: { name: string; dimension: string | null; description?: string }[];
  /** Dimensions every event carries (country, device_type, utm_source...): any metric groups and filters by them. */
  eventDimensions: string[];
}

/** The explorer's query, as the URL holds it (so a view can be shared by its address). */
function tileOf(params: URLSearchParams, dimension: string | null): Tile & { metric: string } {
  const preset = params.get('range') ?? 'last_24h';
  const range: TileRange =
    preset === 'custom'
      ? { from: params.get('from') ?? '', to: params.get('to') ?? '' }
      : {
          preset: (RANGE_PRESETS as readonly string[]).includes(preset)
            ? (preset as RangePreset)
            : 'last_24h',
        };
  const values = params.get('values') ?? '';
  const where = (params.get('where') ?? '').trim();
  const filter = [...(values && dimension ? [`${dimension}:${values}`] : []), ...(where ? [where] : [])].join(
    ';',
  );
  return {
    title: params.get('metric') ?? 'events',
    metric: params.get('metric') ?? 'events',
    range,
    granularity: (params.get('granularity') ?? 'hour') as Tile['granularity'],
    ...(params.get('groupBy') ? { groupBy: params.get('groupBy') as string } : {}),
    ...(filter ? { filter } : {}),
    chart: 'line',
  };
}

const option = (v: string, label: string, current: string) =>
  `<option value="${escape(v)}"${v === current ? ' selected' : ''}>${escape(label)}</option>`;

/** Any catalog metric over a range: chart, table and CSV of the API's answer; saved as a tile. */
export async function explorer(main: HTMLElement, zone: string, scopes: string[]): Promise<void> {
  const params = new URLSearchParams(location.search);
  const [listing, { dashboards }] = await Promise.all([
    get<Listing>('/v1/metrics'),
    get<{ dashboards: Dashboard[] }>('/v1/dashboards'),
  ]);
  const metric = params.get('metric') ?? 'events';
  const dimension = listing.metrics.find((m) => m.name === metric)?.dimension ?? null;
  const q = tileOf(params, dimension);
  const custom = 'from' in q.range ? q.range : { from: '', to: '' };
  main.innerHTML = `
    <section class="tile wide">
      <form id="query">
        <label>Metric<select name="metric" data-testid="metric">${listing.metrics.map((m) => option(m.name, m.name, q.metric)).join('')}</select></label>
        <label>Range<select name="range" data-testid="range">${[...RANGE_PRESETS, 'custom'].map((r) => option(r, r === 'custom' ? 'custom' : presetLabel(r as RangePreset), 'preset' in q.range ? q.range.preset : 'custom')).join('')}</select></label>
        <label>From<input name="from" value="${escape(custom.from)}" placeholder="ISO, custom range" /></label>
        <label>To<input name="to" value="${escape(custom.to)}" placeholder="ISO, custom range" /></label>
        <label>Granularity<select name="granularity" data-testid="granularity">${['minute', 'hour', 'day'].map((g) => option(g, g, q.granularity)).join('')}</select></label>
        <label>Group by<select name="groupBy" data-testid="groupBy">${option('', 'nothing', q.groupBy ?? '')}${[...(dimension ? [dimension] : []), ...listing.eventDimensions].map((d) => option(d, d, q.groupBy ?? '')).join('')}</select></label>
        ${dimension ? `<label>Only ${escape(dimension)}<input name="values" value="${escape(params.get('values') ?? '')}" placeholder="value,value" data-testid="values" /></label>` : ''}
        <label>Where<input name="where" value="${escape(params.get('where') ?? '')}" placeholder="country:FR,DE;device_type:mobile" data-testid="where" /></label>
        <button type="submit">Show</button>
        <a id="csv" download="${escape(q.metric)}.csv">CSV</a>
      </form>
      ${
        mayWrite(scopes)
          ? `<form id="save" class="inline">
        <label>Save to dashboard<select name="dashboard" data-testid="save-dashboard">${dashboards.map((d) => option(d.id, d.name, '')).join('')}${option('', 'a new dashboard…', '')}</select></label>
        <label>Title<input name="title" required maxlength="200" value="${escape(q.metric)}" data-testid="save-title" /></label>
        <label>Chart<select name="chart">${['line', 'bar', 'number', 'table'].map((c) => option(c, c, 'line')).join('')}</select></label>
        <button data-testid="save">Save</button><span class="meta" data-testid="saved"></span>
      </form>`
          : `<p class="meta" data-testid="read-only">${escape(READ_ONLY_NOTE)}</p>`
      }
    </section>
    <section class="tile wide"><h2 data-testid="total"></h2><div class="chart" id="chart"></div><div class="meta" id="sources"></div></section>
    <section class="tile wide"><table data-testid="table"><thead><tr><th>bucket (${escape(zone)})</th><th>start (UTC)</th><th>value</th><th>dimension</th><th>source</th></tr></thead><tbody></tbody></table></section>`;
  const form = main.querySelector('#query') as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '') next.set(k, v);
    if (next.get('range') !== 'custom') {
      next.delete('from');
      next.delete('to');
    }
    history.pushState(null, '', `/explore?${next}`);
    void explorer(main, zone, scopes);
  });
  const save = main.querySelector<HTMLFormElement>('#save');
  save?.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(save);
    const said = save.querySelector('[data-testid=saved]') as HTMLElement;
    const tile: Tile = { ...q, title: String(data.get('title')), chart: data.get('chart') as Tile['chart'] };
    const id = String(data.get('dashboard'));
    void (async () => {
      try {
        const target = dashboards.find((d) => d.id === id);
        const d = target
          ? await patch<Dashboard>(`/v1/dashboards/${target.id}`, {
              tiles: [...target.tiles, tile],
              version: target.version,
            })
          : await post<Dashboard>('/v1/dashboards', { name: `${q.metric} dashboard`, tiles: [tile] });
        said.innerHTML = `saved to <a href="/dashboards?id=${d.id}" data-nav-link>${escape(d.name)}</a>`;
      } catch (err) {
        said.innerHTML = `<span class="error">${escape((err as Error).message)}</span>`;
      }
    })();
  });
  const answer = await get<MetricAnswer>(tileRequest(q, zone));
  (main.querySelector('[data-testid=total]') as HTMLElement).textContent = `${q.metric}: ${answer.value}`;
  const byDim = new Map<string, MetricAnswer['buckets']>();
  for (const b of answer.buckets) byDim.set(b.dim ?? q.metric, [...(byDim.get(b.dim ?? q.metric) ?? []), b]);
  timeSeries(
    main.querySelector('#chart') as HTMLElement,
    [...byDim].map(([name, points]) => ({ name, points })),
    { zone, range: answer },
  );
  const { from, to } = resolveRange(q.range, zone);
  (main.querySelector('#sources') as HTMLElement).textContent =
    `${shortTime(from, zone)} to ${shortTime(to, zone)} (${zone}); ${sources(answer, zone)} (speed part shaded)`;
  (main.querySelector('[data-testid=table] tbody') as HTMLElement).innerHTML = answer.buckets
    .map(
      (b) =>
        `<tr data-start="${escape(b.start)}"><td>${shortTime(b.start, zone)}</td><td>${escape(b.start)}</td><td class="num">${b.value}</td><td>${escape(b.dim ?? '')}</td><td>${b.source}</td></tr>`,
    )
    .join('');
  const csv = [
    csvLine(['start', 'dimension', 'value', 'source']),
    ...answer.buckets.map((b) => csvLine([b.start, b.dim ?? '', b.value, b.source])),
  ].join('\r\n');
  (main.querySelector('#csv') as HTMLAnchorElement).href = URL.createObjectURL(
    new Blob([csv], { type: 'text/csv' }),
  );
}
