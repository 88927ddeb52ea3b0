import { escape, get } from './api';
import { field } from './define-form';
import { RANGE_PRESETS, presetLabel, resolveRange, type RangePreset } from './ranges';

interface PathsAnswer {
  persons: number;
  paths: { nodes: string[]; persons: number }[];
  links: { step: number; source: string; target: string; persons: number }[];
}
interface FunnelStep {
  event: string;
  users: number;
  conversionFromStart: number;
}
interface FunnelAnswer {
  steps: FunnelStep[];
  groups?: { group: string; steps: FunnelStep[] }[];
  excluded?: number;
  timeToConvert: {
    persons: number;
    medianSeconds: number | null;
    distribution: { upToSeconds: number | null; persons: number }[];
  };
}

const option = (v: string, label: string, current: string) =>
  `<option value="${escape(v)}"${v === current ? ' selected' : ''}>${escape(label)}</option>`;
const ranges = (current: string) => RANGE_PRESETS.map((r) => option(r, presetLabel(r), current)).join('');

/**
 * Paths and funnels from forms: where people go after a page or an event (or came from), as a
 * Sankey of the steps and the top paths; a funnel of steps in order (strict, or any order), with
 * events that leave a person out, broken down by a dimension, property or trait, and how long
 * converting took.
 */
export async function paths(main: HTMLElement, zone: string): Promise<void> {
  const params = new URLSearchParams(location.search);
  main.innerHTML = `
    <section class="tile wide"><h2>Paths</h2>
      <form id="paths" class="builder" data-testid="paths-form">
        <label>From<input name="start" value="${escape(params.get('start') ?? '')}" placeholder="/pricing or signed_up" required /></label>
        <label>Direction<select name="direction">${option('after', 'where they go next', '')}${option('before', 'where they came from', '')}</select></label>
        <label>Steps<input name="steps" value="3" size="3" /></label>
        <label>Range<select name="range">${ranges('last_24h')}</select></label>
        <div class="actions"><button data-testid="paths-show">Show</button><span class="meta" data-testid="paths-said"></span></div>
      </form>
      <div id="sankey" data-testid="sankey"></div>
      <table data-testid="paths-table"><thead><tr><th>path</th><th>persons</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="tile wide"><h2>Funnel</h2>
      <form id="funnel" class="builder" data-testid="funnel-form">
        <label>Steps<input name="steps" placeholder="product_view, add_to_cart, purchase" required /></label>
        <label>Order<select name="order">${['ordered', 'strict', 'any'].map((o) => option(o, o, 'ordered')).join('')}</select></label>
        <label>Leave out who did<input name="exclude" placeholder="support_ticket" /></label>
        <label>Break down by<input name="breakdown" placeholder="country, property.plan, person.plan" /></label>
        <label>Within (hours)<input name="window" value="24" size="4" /></label>
        <label>Range<select name="range">${ranges('last_7d')}</select></label>
        <div class="actions"><button data-testid="funnel-show">Show</button><span class="meta" data-testid="funnel-said"></span></div>
      </form>
      <table data-testid="funnel-table"></table><p class="meta" data-testid="time-to-convert"></p>
    </section>`;
  const rangeOf = (form: HTMLFormElement) =>
    resolveRange({ preset: (field(form, 'range') ?? 'last_24h') as RangePreset }, zone);
  const wire = (id: string, run: (form: HTMLFormElement) => Promise<void>) => {
    const form = main.querySelector(`#${id}`) as HTMLFormElement;
    const said = form.querySelector(`[data-testid=${id}-said]`) as HTMLElement;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      said.textContent = '';
      run(form).catch((err: Error) => (said.innerHTML = `<span class="error">${escape(err.message)}</span>`));
    });
  };
  wire('paths', async (form) => {
    const q = new URLSearchParams({
      ...rangeOf(form),
      start: field(form, 'start') ?? '',
      direction: field(form, 'direction') ?? 'after',
      steps: field(form, 'steps') ?? '3',
    });
    const a = await get<PathsAnswer>(`/v1/paths?${q}`);
    (main.querySelector('#sankey') as HTMLElement).innerHTML = sankey(a.links);
    (main.querySelector('[data-testid=paths-table] tbody') as HTMLElement).innerHTML = a.paths
      .map((p) => `<tr><td>${p.nodes.map(escape).join(' → ')}</td><td class="num">${p.persons}</td></tr>`)
      .join('');
  });
  wire('funnel', async (form) => {
    const q = new URLSearchParams({
      ...rangeOf(form),
      steps: (field(form, 'steps') ?? '').replace(/\s+/g, ''),
      order: field(form, 'order') ?? 'ordered',
      windowSeconds: String(Math.round(Number(field(form, 'window') ?? '24') * 3600)),
    });
    const exclude = field(form, 'exclude');
    const breakdown = field(form, 'breakdown');
    if (exclude) q.set('exclude', exclude.replace(/\s+/g, ''));
    if (breakdown) q.set('breakdown', breakdown);
    const a = await get<FunnelAnswer>(`/v1/funnels?${q}`);
    const rows = [{ group: 'everyone', steps: a.steps }, ...(a.groups ?? [])];
    (main.querySelector('[data-testid=funnel-table]') as HTMLElement).innerHTML =
      `<thead><tr><th>group</th>${a.steps.map((s) => `<th>${escape(s.event)}</th>`).join('')}</tr></thead><tbody>${rows
        .map(
          (r) =>
            `<tr data-group="${escape(r.group)}"><td>${escape(r.group)}</td>${r.steps
              .map((s) => `<td class="num">${s.users} (${Math.round(s.conversionFromStart * 100)} %)</td>`)
              .join('')}</tr>`,
        )
        .join('')}</tbody>`;
    const t = a.timeToConvert;
    (main.querySelector('[data-testid=time-to-convert]') as HTMLElement).textContent =
      `${t.persons} converted; median time to convert ${t.medianSeconds === null ? '–' : duration(t.medianSeconds)}` +
      (a.excluded !== undefined ? `; ${a.excluded} left out` : '');
  });
  if (params.get('start')) (main.querySelector('#paths') as HTMLFormElement).requestSubmit();
}

const duration = (s: number) =>
  s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;

/**
 * A Sankey of the paths' links as SVG: a column per step, a box per node sized by the persons
 * through it, a band per link as wide as the persons who went that way.
 */
export function sankey(links: PathsAnswer['links']): string {
  if (links.length === 0) return '<p class="meta">nobody took this path in the range</p>';
  const steps = Math.max(...links.map((l) => l.step));
  // A node's size: the persons through it, the larger of what flows in and what flows out.
  const inflow: Map<string, number>[] = Array.from({ length: steps + 1 }, () => new Map());
  const outflow: Map<string, number>[] = Array.from({ length: steps + 1 }, () => new Map());
  for (const l of links) {
    outflow[l.step - 1]!.set(l.source, (outflow[l.step - 1]!.get(l.source) ?? 0) + l.persons);
    inflow[l.step]!.set(l.target, (inflow[l.step]!.get(l.target) ?? 0) + l.persons);
  }
  const columns = inflow.map((into, i) => {
    const col = new Map(into);
    for (const [node, n] of outflow[i]!) col.set(node, Math.max(col.get(node) ?? 0, n));
    return col;
  });
  const total = Math.max(...columns.map((c) => [...c.values()].reduce((a, b) => a + b, 0)));
  const [width, height, box, gap] = [900, 360, 12, 6];
  const colX = (i: number) => 10 + (i * (width - 180)) / steps;
  const scale = (height - 40) / total;
  const at = new Map<string, { x: number; y: number; h: number; out: number; in: number }>();
  columns.forEach((col, i) => {
    let y = 10;
    for (const [node, n] of [...col].sort((a, b) => b[1] - a[1])) {
      at.set(`${i}|${node}`, { x: colX(i), y, h: Math.max(2, n * scale), out: 0, in: 0 });
      y += Math.max(2, n * scale) + gap;
    }
  });
  const bands = links.map((l) => {
    const a = at.get(`${l.step - 1}|${l.source}`)!;
    const b = at.get(`${l.step}|${l.target}`)!;
    const w = Math.max(1, l.persons * scale);
    const [y1, y2] = [a.y + a.out + w / 2, b.y + b.in + w / 2];
    a.out += w;
    b.in += w;
    const [x1, x2] = [a.x + box, b.x];
    const mid = (x1 + x2) / 2;
    return `<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" stroke-width="${w}" class="band"><title>${escape(l.source)} → ${escape(l.target)}: ${l.persons}</title></path>`;
  });
  const nodes = [...at].map(([key, n]) => {
    const node = key.slice(key.indexOf('|') + 1);
    return `<g data-node="${escape(node)}"><rect x="${n.x}" y="${n.y}" width="${box}" height="${n.h}" class="node"/><text x="${n.x + box + 4}" y="${n.y + Math.min(n.h, 14) / 2 + 4}">${escape(node)}</text></g>`;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="paths, step by step">${bands.join('')}${nodes.join('')}</svg>`;
}
