import { get, sources, type MetricAnswer } from './api';
import { timeSeries } from './charts';
import { escape } from './overview';

interface Listing {
  metrics: { name: string; dimension: string | null; description?: string }[];
}

const PRESETS: Record<string, number> = { '1h': 1, '24h': 24, '7d': 24 * 7, '30d': 24 * 30 };

/** The explorer's query, as the URL holds it (so a view can be shared by its address). */
function queryOf(params: URLSearchParams) {
  return {
    metric: params.get('metric') ?? 'events',
    range: params.get('range') ?? '24h',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    granularity: params.get('granularity') ?? 'hour',
    groupBy: params.get('groupBy') ?? '',
  };
}

/** The API request of a query: a preset ends at the next hour, so the answer is stable within it. */
function request(q: ReturnType<typeof queryOf>): string {
  let from = q.from;
  let to = q.to;
  if (q.range !== 'custom') {
    const end = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    to = new Date(end).toISOString();
    from = new Date(end - (PRESETS[q.range] ?? 24) * 3_600_000).toISOString();
  }
  const p = new URLSearchParams({ from, to, granularity: q.granularity });
  if (q.groupBy) p.set('groupBy', q.groupBy);
  return `/v1/metrics/${encodeURIComponent(q.metric)}?${p}`;
}

/** Any catalog metric over a range: chart, table and CSV of the API's answer. */
export async function explorer(main: HTMLElement): Promise<void> {
  const q = queryOf(new URLSearchParams(location.search));
  const listing = await get<Listing>('/v1/metrics');
  const dimension = listing.metrics.find((m) => m.name === q.metric)?.dimension ?? null;
  const option = (v: string, label: string, current: string) =>
    `<option value="${escape(v)}"${v === current ? ' selected' : ''}>${escape(label)}</option>`;
  main.innerHTML = `
    <section class="tile wide">
      <form id="query">
        <label>Metric<select name="metric" data-testid="metric">${listing.metrics.map((m) => option(m.name, m.name, q.metric)).join('')}</select></label>
        <label>Range<select name="range" data-testid="range">${[...Object.keys(PRESETS), 'custom'].map((r) => option(r, r === 'custom' ? 'custom' : `last ${r}`, q.range)).join('')}</select></label>
        <label>From<input name="from" value="${escape(q.from)}" placeholder="ISO, custom range" /></label>
        <label>To<input name="to" value="${escape(q.to)}" placeholder="ISO, custom range" /></label>
        <label>Granularity<select name="granularity" data-testid="granularity">${['minute', 'hour', 'day'].map((g) => option(g, g, q.granularity)).join('')}</select></label>
        <label>Group by<select name="groupBy" data-testid="groupBy">${option('', 'nothing', q.groupBy)}${dimension ? option(dimension, dimension, q.groupBy) : ''}</select></label>
        <button type="submit">Show</button>
        <a id="csv" download="${escape(q.metric)}.csv">CSV</a>
      </form>
    </section>
    <section class="tile wide"><h2 data-testid="total"></h2><div class="chart" id="chart"></div><div class="meta" id="sources"></div></section>
    <section class="tile wide"><table data-testid="table"><thead><tr><th>bucket</th><th>value</th><th>dimension</th><th>source</th></tr></thead><tbody></tbody></table></section>`;
  const form = main.querySelector('#query') as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const [k, v] of data) if (typeof v === 'string' && v !== '') next.set(k, v);
    history.pushState(null, '', `/explore?${next}`);
    void explorer(main);
  });
  const answer = await get<MetricAnswer>(request(q));
  (main.querySelector('[data-testid=total]') as HTMLElement).textContent = `${q.metric}: ${answer.value}`;
  const byDim = new Map<string, MetricAnswer['buckets']>();
  for (const b of answer.buckets) byDim.set(b.dim ?? q.metric, [...(byDim.get(b.dim ?? q.metric) ?? []), b]);
  timeSeries(
    main.querySelector('#chart') as HTMLElement,
    [...byDim].map(([name, points]) => ({ name, points })),
  );
  (main.querySelector('#sources') as HTMLElement).textContent = `${sources(answer)} (speed part shaded)`;
  (main.querySelector('[data-testid=table] tbody') as HTMLElement).innerHTML = answer.buckets
    .map(
      (b) =>
        `<tr data-start="${escape(b.start)}"><td>${escape(b.start)}</td><td class="num">${b.value}</td><td>${escape(b.dim ?? '')}</td><td>${b.source}</td></tr>`,
    )
    .join('');
  const csv = [
    'start,dimension,value,source',
    ...answer.buckets.map(
      (b) => `${b.start},"${(b.dim ?? '').replaceAll('"', '""')}",${b.value},${b.source}`,
    ),
  ].join('\n');
  (main.querySelector('#csv') as HTMLAnchorElement).href = URL.createObjectURL(
    new Blob([csv], { type: 'text/csv' }),
  );
}
