import { escape, get, mayWrite, patch, post, put, READ_ONLY_NOTE, remove } from './api';
import { RANGE_PRESETS, presetLabel, type RangePreset } from './ranges';
import { drawTile, type Tile } from './tiles';

export interface Dashboard {
  id: string;
  name: string;
  tiles: (Tile & { id: string })[];
  version: number;
}

interface ReportState {
  report: { id: string; name: string; metrics: string[]; project?: string } & Record<string, unknown>;
}

const option = (v: string, label: string, current = '') =>
  `<option value="${escape(v)}"${v === current ? ' selected' : ''}>${escape(label)}</option>`;

/**
 * Saved dashboards of the project (PostgreSQL, through /v1/dashboards): pick or create one; rename
 * it; add, move and remove tiles; send a tile's metric to a scheduled report. Every change carries
 * the version it was made on, so two editors do not overwrite each other (a 409 reloads).
 */
export async function dashboards(main: HTMLElement, zone: string, scopes: string[]): Promise<void> {
  const { dashboards: all } = await get<{ dashboards: Dashboard[] }>('/v1/dashboards');
  const wanted = new URLSearchParams(location.search).get('id');
  const current = all.find((d) => d.id === wanted) ?? all[0];
  // A viewer with the read scope sees the dashboards without the controls the server would refuse.
  const editor = mayWrite(scopes);
  main.innerHTML = `
    <section class="tile wide">
      <div class="toolbar">
        <label>Dashboard<select data-testid="dashboard-select">${all.map((d) => option(d.id, d.name, current?.id)).join('')}</select></label>
        ${editor ? '<form id="create" class="inline"><label>New dashboard<input name="name" required maxlength="200" placeholder="name" data-testid="new-name" /></label><button>Create</button></form>' : ''}
        ${
          current && editor
            ? `<form id="rename" class="inline"><label>Rename<input name="name" required maxlength="200" value="${escape(current.name)}" data-testid="rename" /></label><button>Rename</button></form>
               <button type="button" id="delete" class="danger" data-testid="delete-dashboard">Delete dashboard</button>`
            : ''
        }
      </div>
      ${editor ? '' : `<p class="meta" data-testid="read-only">${escape(READ_ONLY_NOTE)}</p>`}
      <p class="error" id="problem" data-testid="problem"></p>
    </section>
    ${current ? `<div class="tiles" data-testid="tiles">${current.tiles.map((t, i) => tileFrame(t, i, current.tiles.length, editor)).join('')}</div>` : `<section class="tile wide"><p>${editor ? 'No dashboard yet: create one, then add tiles here or from the Explorer ("Save to dashboard").' : 'No dashboard yet.'}</p></section>`}
    ${current && editor ? await addTileForm() : ''}`;
  const problem = main.querySelector('#problem') as HTMLElement;
  const reload = (id = current?.id) => {
    history.replaceState(null, '', id ? `/dashboards?id=${id}` : '/dashboards');
    return dashboards(main, zone, scopes);
  };
  const attempt = (f: () => Promise<unknown>, after?: () => Promise<void>) => async () => {
    try {
      await f();
      await (after ?? reload)();
    } catch (e) {
      problem.textContent = (e as Error).message;
    }
  };
  (main.querySelector('[data-testid=dashboard-select]') as HTMLSelectElement).addEventListener(
    'change',
    (e) => {
      void reload((e.target as HTMLSelectElement).value);
    },
  );
  if (!editor) {
    if (current) drawTiles(main, current, zone);
    return;
  }
  onSubmit(main, '#create', (data) =>
    attempt(
      async () => {
        const d = await post<Dashboard>('/v1/dashboards', { name: data.get('name') });
        history.replaceState(null, '', `/dashboards?id=${d.id}`);
      },
      () => dashboards(main, zone, scopes),
    )(),
  );
  if (!current) return;
  const change = (body: Record<string, unknown>) =>
    patch<Dashboard>(`/v1/dashboards/${current.id}`, { ...body, version: current.version });
  onSubmit(main, '#rename', (data) => attempt(() => change({ name: data.get('name') }))());
  (main.querySelector('#delete') as HTMLButtonElement).addEventListener(
    'click',
    attempt(
      () => remove(`/v1/dashboards/${current.id}`),
      () => {
        history.replaceState(null, '', '/dashboards');
        return dashboards(main, zone, scopes);
      },
    ),
  );
  const moved = (from: number, to: number) => {
    const next = [...current.tiles];
    const [t] = next.splice(from, 1);
    if (t) next.splice(to, 0, t);
    return next;
  };
  for (const button of main.querySelectorAll<HTMLButtonElement>('[data-action]')) {
    const i = Number(button.dataset.index);
    const action = button.dataset.action;
    if (action === 'up')
      button.addEventListener(
        'click',
        attempt(() => change({ tiles: moved(i, i - 1) })),
      );
    if (action === 'down')
      button.addEventListener(
        'click',
        attempt(() => change({ tiles: moved(i, i + 1) })),
      );
    if (action === 'remove')
      button.addEventListener(
        'click',
        attempt(() => change({ tiles: current.tiles.filter((_, j) => j !== i) })),
      );
  }
  onSubmit(main, '#add-tile', (data) =>
    attempt(() =>
      change({
        tiles: [
          ...current.tiles,
          {
            title: data.get('title'),
            metric: data.get('metric'),
            range: { preset: data.get('preset') as RangePreset },
            granularity: data.get('granularity'),
            chart: data.get('chart'),
          },
        ],
      }),
    )(),
  );
  drawTiles(main, current, zone);
  await reportControls(main, current, scopes, problem);
}

/** Each tile answers on its own: a slow or refused one does not hold the others back. */
function drawTiles(main: HTMLElement, d: Dashboard, zone: string): void {
  d.tiles.forEach((t, i) => {
    const frame = main.querySelector(`[data-tile="${i}"]`) as HTMLElement;
    const body = frame.querySelector('.body') as HTMLElement;
    drawTile(t, body, frame.querySelector('.meta') as HTMLElement, zone).catch(
      (e: Error) => (body.innerHTML = `<p class="error">${escape(e.message)}</p>`),
    );
  });
}

function tileFrame(t: Tile, i: number, n: number, editor: boolean): string {
  const controls = editor
    ? `<button type="button" data-action="up" data-index="${i}" title="Move up"${i === 0 ? ' disabled' : ''}>↑</button>
      <button type="button" data-action="down" data-index="${i}" title="Move down"${i === n - 1 ? ' disabled' : ''}>↓</button>
      <button type="button" data-action="remove" data-index="${i}" title="Remove" data-testid="remove-tile">✕</button>`
    : '';
  return `<section class="tile" data-tile="${i}" data-testid="tile">
    <div class="toolbar"><h2 data-testid="tile-title">${escape(t.title)}</h2>
      ${controls}
    </div>
    <div class="body"></div><div class="meta"></div>
    <form class="inline to-report" data-index="${i}"></form>
  </section>`;
}

async function addTileForm(): Promise<string> {
  const { metrics } = await get<{ metrics: { name: string }[] }>('/v1/metrics');
  return `<section class="tile wide"><form id="add-tile" class="inline" data-testid="add-tile">
    <label>Title<input name="title" required maxlength="200" /></label>
    <label>Metric<select name="metric">${metrics.map((m) => option(m.name, m.name)).join('')}</select></label>
    <label>Range<select name="preset">${RANGE_PRESETS.map((p) => option(p, presetLabel(p), 'last_24h')).join('')}</select></label>
    <label>Granularity<select name="granularity">${['minute', 'hour', 'day'].map((g) => option(g, g, 'hour')).join('')}</select></label>
    <label>Chart<select name="chart">${['line', 'bar', 'number', 'table'].map((c) => option(c, c)).join('')}</select></label>
    <button>Add tile</button></form></section>`;
}

/** Each tile can put its metric into one of the project's scheduled reports (admin scope). */
async function reportControls(main: HTMLElement, d: Dashboard, scopes: string[], problem: HTMLElement) {
  const forms = [...main.querySelectorAll<HTMLFormElement>('form.to-report')];
  if (forms.length === 0) return;
  if (!scopes.includes('admin')) {
    for (const f of forms)
      f.innerHTML = '<span class="meta">adding to a report needs an admin sign-in</span>';
    return;
  }
  const { reports } = await get<{ reports: ReportState[] }>('/v1/reports');
  for (const f of forms) {
    const tile = d.tiles[Number(f.dataset.index)] as Tile;
    const metric = tile.metric;
    if (metric === undefined) {
      f.innerHTML =
        '<span class="meta">reports send catalog metrics; an insight tile stays on the dashboard</span>';
      continue;
    }
    f.innerHTML = reports.length
      ? `<label>Add to report<select name="report" data-testid="report-select">${reports.map((r) => option(r.report.id, r.report.name)).join('')}</select></label><button data-testid="add-to-report">Add</button><span class="meta"></span>`
      : '<span class="meta">no scheduled report yet (POST /v1/reports, or ./platform report)</span>';
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = String(new FormData(f).get('report'));
      const said = f.querySelector('.meta') as HTMLElement;
      void (async () => {
        try {
          // The schedule holds the definition: read it fresh, add the metric, write it back whole.
          const { report } = await get<ReportState>(`/v1/reports/${encodeURIComponent(id)}`);
          // The project comes from the caller's sign-in, never from the body.
          const definition: Record<string, unknown> = { ...report };
          delete definition.project;
          if (!report.metrics.includes(metric))
            await put(`/v1/reports/${encodeURIComponent(id)}`, {
              ...definition,
              metrics: [...report.metrics, metric],
            });
          said.textContent = `${metric} is in report ${report.name}`;
        } catch (err) {
          problem.textContent = (err as Error).message;
        }
      })();
    });
  }
}

function onSubmit(main: HTMLElement, selector: string, f: (data: FormData) => void): void {
  const form = main.querySelector<HTMLFormElement>(selector);
  form?.addEventListener('submit', (e) => {
    e.preventDefault();
    f(new FormData(form));
  });
}
