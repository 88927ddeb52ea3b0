import { escape, get, mayWrite, patch, post, shortTime, type Bucket } from './api';
import type { Dashboard } from './dashboards';
import { timeSeries } from './charts';
import { field, numberField, rowsHtml, wireRows } from './define-form';
import { RANGE_PRESETS, presetLabel, resolveRange, type RangePreset } from './ranges';

interface Stored {
  definition: Definition;
  version: number;
}
type Definition = Record<string, unknown> & { id: string };
interface Answer {
  value: number | null;
  from: string;
  to: string;
  measure: string;
  buckets: (Omit<Bucket, 'value' | 'source'> & {
    value: number | null;
    source: Bucket['source'] | 'mixed';
  })[];
  parts: { source: string; from: string; to: string; value: number | null }[];
  previous?: { value: number | null };
  change?: number | null;
  standardError?: number;
  relativeError?: number;
}

const MEASURES = ['count', 'unique_persons', 'sum', 'average', 'min', 'max', 'percentile'];
const OPS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'set',
  'not_set',
];
const option = (v: string, label: string, current: string) =>
  `<option value="${escape(v)}"${v === current ? ' selected' : ''}>${escape(label)}</option>`;
const CONDITION = `<div class="row"><input name="f-property" placeholder="country, property.plan, person.plan" aria-label="property" />
  <select name="f-op" aria-label="operator">${OPS.map((o) => option(o, o.replace('_', ' '), 'equals')).join('')}</select>
  <input name="f-value" placeholder="value (in: a, b)" aria-label="value" /><button type="button" data-remove>remove</button></div>`;

/** One filter condition from its row: values split on commas for in / not in, numbers for comparisons. */
function conditionOf(row: Element): Record<string, unknown> | undefined {
  const property = field(row, 'f-property');
  if (!property) return undefined;
  const op = field(row, 'f-op') ?? 'equals';
  const raw = field(row, 'f-value');
  if (op === 'set' || op === 'not_set') return { property, op };
  if (op === 'in' || op === 'not_in')
    return {
      property,
      op,
      values: (raw ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    };
  if (['gt', 'gte', 'lt', 'lte'].includes(op))
    return { property, op, value: numberField(row, 'f-value', property) };
  return { property, op, value: raw ?? '' };
}

/** The definition the form says (what the API stores, no SQL). */
/** A measure from its fields (`prefix` names the second series' own: `b-kind`, `b-property`). */
function measureOf(form: HTMLFormElement, prefix = ''): Record<string, unknown> {
  const kind = field(form, `${prefix}kind`) ?? 'count';
  const property = field(form, `${prefix}property`);
  const measure: Record<string, unknown> = { kind };
  if (!['count', 'unique_persons'].includes(kind)) {
    if (!property) throw new Error(`a ${kind} measures a property: property.<name>`);
    measure.property = property;
  }
  if (kind === 'percentile') measure.p = numberField(form, `${prefix}p`, 'percentile') ?? 90;
  return measure;
}

const eventsOf = (form: HTMLFormElement, name: string) => {
  const events = field(form, name);
  return events
    ? {
        events: events
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== ''),
      }
    : {};
};

/**
 * The definition the form says (what the API stores, no SQL): one series, or with a formula, the
 * first series as A and the second as B (`A / B * 100`).
 */
function definitionOf(form: HTMLFormElement): Definition {
  const conditions = [...form.querySelectorAll('[data-rows=filters] .row')].flatMap(
    (r) => conditionOf(r) ?? [],
  );
  const join = field(form, 'join') ?? 'and';
  const filters =
    conditions.length === 1
      ? { filters: conditions[0] }
      : conditions.length > 1
        ? { filters: { [join]: conditions } }
        : {};
  const groupBy = field(form, 'groupBy');
  const formula = field(form, 'formula');
  const first = { ...eventsOf(form, 'events'), measure: measureOf(form), ...filters };
  return {
    id: field(form, 'id') ?? 'draft',
    ...(formula
      ? {
          series: { A: first, B: { ...eventsOf(form, 'b-events'), measure: measureOf(form, 'b-') } },
          formula,
        }
      : first),
    ...(groupBy ? { groupBy } : {}),
  };
}

/**
 * Insights: a metric defined with a form (events, a measure, filters joined by and/or, a split),
 * answered over a range with its buckets in the viewer's zone (days, weeks, months), compared with
 * the period before or rolled over a window; its definition shown as the API stores it, and saved
 * by an admin. Saved insights are listed to open again.
 */
export async function insights(main: HTMLElement, zone: string, scopes: string[]): Promise<void> {
  const params = new URLSearchParams(location.search);
  const [{ insights: saved }, { dashboards }] = await Promise.all([
    get<{ insights: Stored[] }>('/v1/insights'),
    get<{ dashboards: Dashboard[] }>('/v1/dashboards'),
  ]);
  const open = saved.find((s) => s.definition.id === params.get('id'))?.definition;
  const d = (open ?? {}) as Record<string, never>;
  type M = { kind: string; property?: string; p?: number };
  const series = d.series as Record<string, { events?: string[]; measure: M }> | undefined;
  const m = (series?.A?.measure ?? d.measure ?? { kind: 'count' }) as M;
  const bm = series?.B?.measure ?? { kind: 'count' };
  main.innerHTML = `
    <section class="tile wide">
      <h2>Insights</h2>
      <p class="meta">Saved: ${
        saved.length === 0
          ? 'none yet'
          : saved
              .map(
                (s) =>
                  `<a href="/insights?id=${encodeURIComponent(s.definition.id)}" data-nav-link data-testid="saved-insight">${escape(s.definition.id)}</a>`,
              )
              .join(' · ')
      }</p>
      <form id="insight" class="builder" data-testid="insight-form">
        <label>Id<input name="id" value="${escape(open?.id ?? '')}" placeholder="orders-by-country" /></label>
        <label>Events<input name="events" value="${escape((series?.A?.events ?? (d.events as string[] | undefined) ?? []).join(', '))}" placeholder="purchase (all when empty)" /></label>
        <label>Measure<select name="kind">${MEASURES.map((k) => option(k, k.replace('_', ' '), m.kind)).join('')}</select></label>
        <label>Of property<input name="property" value="${escape(m.property ?? '')}" placeholder="property.total_amount" /></label>
        <label>Percentile<input name="p" value="${m.p ?? 90}" size="4" /></label>
        <label>Join<select name="join">${option('and', 'all of', 'and')}${option('or', 'any of', '')}</select></label>
        ${rowsHtml('filters', CONDITION, 1, 'add a filter')}
        <details${d.formula ? ' open' : ''}><summary>A formula over a second series (B)</summary>
          <label>B events<input name="b-events" value="${escape(((d.series as Record<string, { events?: string[] }> | undefined)?.B?.events ?? []).join(', '))}" placeholder="page" /></label>
          <label>B measure<select name="b-kind">${MEASURES.map((k) => option(k, k.replace('_', ' '), bm.kind)).join('')}</select></label>
          <label>B of property<input name="b-property" value="${escape(bm.property ?? '')}" /></label>
          <label>Formula<input name="formula" value="${escape(String(d.formula ?? ''))}" placeholder="A / B * 100" /></label>
        </details>
        <label>Split by<input name="groupBy" value="${escape(String(d.groupBy ?? ''))}" placeholder="country, property.path, person.plan" /></label>
        <label>Range<select name="range">${RANGE_PRESETS.map((r) => option(r, presetLabel(r), 'last_24h')).join('')}</select></label>
        <label>Buckets<select name="granularity">${['minute', 'hour', 'day', 'week', 'month'].map((g) => option(g, g, 'hour')).join('')}</select></label>
        <label>Rolling over<input name="rolling" value="1" size="4" aria-label="rolling buckets" /></label>
        <label><input type="checkbox" name="compare" /> compare with the period before</label>
        <div class="actions"><button data-testid="insight-show">Show</button>${
          mayWrite(scopes) ? '<button type="button" data-testid="insight-save">Save</button>' : ''
        }<span class="meta" data-testid="insight-said"></span></div>
      </form>
    </section>
    ${
      open && mayWrite(scopes)
        ? `<section class="tile wide"><form id="add-tile" class="inline">
      <label>Put ${escape(open.id)} on a dashboard<select name="dashboard" data-testid="tile-dashboard">${dashboards
        .map((x) => option(x.id, x.name, ''))
        .join('')}${option('', 'a new dashboard…', '')}</select></label>
      <label>Chart<select name="chart">${['line', 'bar', 'number', 'table'].map((c) => option(c, c, 'line')).join('')}</select></label>
      <button data-testid="add-tile">Add</button><span class="meta" data-testid="tile-said"></span></form></section>`
        : ''
    }
    <section class="tile wide"><h2 data-testid="insight-value"></h2><div class="chart" id="insight-chart"></div><div class="meta" id="insight-sources"></div>
      <table data-testid="insight-table"><thead><tr><th>bucket (${escape(zone)})</th><th>group</th><th>value</th><th>source</th></tr></thead><tbody></tbody></table>
      <h3>Definition</h3><pre data-testid="insight-definition"></pre></section>`;
  const form = main.querySelector('#insight') as HTMLFormElement;
  wireRows(form);
  if (open) fillFilters(form, (series?.A as { filters?: unknown } | undefined)?.filters ?? open.filters);
  const said = form.querySelector('[data-testid=insight-said]') as HTMLElement;
  const fail = (err: unknown) =>
    (said.innerHTML = `<span class="error">${escape((err as Error).message)}</span>`);
  const show = async () => {
    said.textContent = '';
    const def = definitionOf(form);
    const { from, to } = resolveRange({ preset: (field(form, 'range') ?? 'last_24h') as RangePreset }, zone);
    const q = new URLSearchParams({ from, to, granularity: field(form, 'granularity') ?? 'hour', tz: zone });
    const rolling = field(form, 'rolling');
    if (rolling && rolling !== '1') q.set('rolling', rolling);
    if ((form.querySelector('[name=compare]') as HTMLInputElement).checked) q.set('compare', 'previous');
    (main.querySelector('[data-testid=insight-definition]') as HTMLElement).textContent = JSON.stringify(
      def,
      null,
      2,
    );
    const a = await post<Answer>(`/v1/insights/answer?${q}`, def);
    render(main, a, zone);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    show().catch(fail);
  });
  form.querySelector('[data-testid=insight-save]')?.addEventListener('click', () => {
    void (async () => {
      try {
        const def = definitionOf(form);
        await post('/v1/insights', def);
        history.pushState(null, '', `/insights?id=${encodeURIComponent(def.id)}`);
        await insights(main, zone, scopes);
      } catch (err) {
        fail(err);
      }
    })();
  });
  const addTile = main.querySelector<HTMLFormElement>('#add-tile');
  addTile?.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(addTile);
    const tileSaid = addTile.querySelector('[data-testid=tile-said]') as HTMLElement;
    const tile = {
      title: open!.id,
      insight: open!.id,
      range: { preset: field(form, 'range') ?? 'last_24h' },
      granularity: field(form, 'granularity') ?? 'hour',
      chart: String(data.get('chart')),
    };
    void (async () => {
      try {
        const target = dashboards.find((x) => x.id === data.get('dashboard'));
        const d = target
          ? await patch<Dashboard>(`/v1/dashboards/${target.id}`, {
              tiles: [...target.tiles, tile],
              version: target.version,
            })
          : await post<Dashboard>('/v1/dashboards', { name: `${open!.id} dashboard`, tiles: [tile] });
        tileSaid.innerHTML = `on <a href="/dashboards?id=${d.id}" data-nav-link>${escape(d.name)}</a>`;
      } catch (err) {
        tileSaid.innerHTML = `<span class="error">${escape((err as Error).message)}</span>`;
      }
    })();
  });
  if (open) await show().catch(fail);
}

function render(main: HTMLElement, a: Answer, zone: string): void {
  const fmt = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(2));
  const error = a.relativeError
    ? ` (within ${a.relativeError * 100} %)`
    : a.standardError
      ? ` (± ${(a.standardError * 100).toFixed(1)} %)`
      : '';
  const compared =
    a.previous !== undefined
      ? ` · before: ${fmt(a.previous.value)} · change ${a.change === null || a.change === undefined ? '–' : `${(a.change * 100).toFixed(1)} %`}`
      : '';
  (main.querySelector('[data-testid=insight-value]') as HTMLElement).textContent =
    `${a.measure}: ${fmt(a.value)}${error}${compared}`;
  const byGroup = new Map<string, Bucket[]>();
  for (const b of a.buckets)
    if (b.value !== null) {
      const k = b.dim ?? a.measure;
      byGroup.set(k, [
        ...(byGroup.get(k) ?? []),
        { start: b.start, value: b.value, source: b.source === 'mixed' ? 'speed' : b.source },
      ]);
    }
  timeSeries(
    main.querySelector('#insight-chart') as HTMLElement,
    [...byGroup].map(([name, points]) => ({ name, points })),
    { zone, range: a },
  );
  (main.querySelector('#insight-sources') as HTMLElement).textContent = a.parts
    .map((p) => `${p.source} ${shortTime(p.from, zone)}–${shortTime(p.to, zone)}: ${fmt(p.value)}`)
    .join(', ');
  (main.querySelector('[data-testid=insight-table] tbody') as HTMLElement).innerHTML = a.buckets
    .map(
      (b) =>
        `<tr><td>${shortTime(b.start, zone)}</td><td>${escape(b.dim ?? '')}</td><td class="num">${fmt(b.value)}</td><td>${b.source}</td></tr>`,
    )
    .join('');
}

/** A saved definition's filters back into the rows (one level: conditions joined by and/or). */
function fillFilters(form: HTMLFormElement, filters: unknown): void {
  if (!filters || typeof filters !== 'object') return;
  const f = filters as Record<string, unknown>;
  const join = 'or' in f ? 'or' : 'and';
  const list = (Array.isArray(f[join]) ? f[join] : [f]) as Record<string, unknown>[];
  (form.querySelector('[name=join]') as HTMLSelectElement).value = join;
  const rows = form.querySelector('[data-rows=filters]') as HTMLElement;
  const template = form.querySelector<HTMLTemplateElement>('template[data-template="filters"]');
  rows.innerHTML = '';
  for (const c of list) {
    rows.append(template?.content.cloneNode(true) ?? '');
    const row = rows.lastElementChild as HTMLElement;
    (row.querySelector('[name=f-property]') as HTMLInputElement).value = String(c.property ?? '');
    (row.querySelector('[name=f-op]') as HTMLSelectElement).value = String(c.op ?? 'equals');
    (row.querySelector('[name=f-value]') as HTMLInputElement).value = Array.isArray(c.values)
      ? c.values.join(', ')
      : String(c.value ?? '');
  }
}
