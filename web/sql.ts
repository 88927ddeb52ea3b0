import { escape, get, mayWrite, patch, post, type Me } from './api';
import type { Dashboard } from './dashboards';
import { RANGE_PRESETS, presetLabel, resolveRange, type RangePreset } from './ranges';
import { drawSqlAnswer, sqlSources, type SqlAnswer, type SqlChart } from './sql-answer';

interface HistoryEntry {
  id: string;
  statement: string;
  startedAt: string;
  ms: number | null;
  rows: number | null;
  error: string | null;
}

const EXAMPLE = `SELECT date_trunc('day', event_time) AS day,
       count(*) AS events,
       count(DISTINCT person_id) AS persons
FROM events
GROUP BY 1
ORDER BY 1`;

const CHARTS: SqlChart[] = ['table', 'line', 'bar', 'number'];
const MEDIA = {
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
} as const;

/**
 * Analysts' SQL (POST /v1/sql): an editor, the range its tables hold, the answer as a table or a
 * chart, where each part came from, downloads (CSV, Arrow, Parquet), the person's history, and
 * saving a statement as a query a dashboard tile can show.
 */
export async function sqlPage(main: HTMLElement, zone: string, me: Me): Promise<void> {
  if (!mayWrite(me.scopes)) {
    main.innerHTML = `<section class="tile wide"><h2>SQL</h2><p data-testid="sql-refused">SQL over the project's events is for analysts: ask an admin of the project for the analyst role.</p></section>`;
    return;
  }
  const [{ history }, { dashboards }] = await Promise.all([
    get<{ history: HistoryEntry[] }>('/v1/sql/history?limit=20'),
    get<{ dashboards: Dashboard[] }>('/v1/dashboards'),
  ]);
  main.innerHTML = `
    <section class="tile wide">
      <h2>SQL</h2>
      <p class="meta">Tables: <code>events</code>, <code>persons</code>, <code>person_ids</code>, <code>sessions</code>, merged across the layers (docs/api.md, "SQL").</p>
      <form id="sql" class="stack">
        <textarea name="query" rows="8" spellcheck="false" data-testid="sql-editor">${escape(history[0]?.statement ?? EXAMPLE)}</textarea>
        <div class="toolbar">
          <label>Range<select name="range" data-testid="sql-range">${RANGE_PRESETS.map((p) => `<option value="${p}"${p === 'last_30d' ? ' selected' : ''}>${escape(presetLabel(p))}</option>`).join('')}</select></label>
          <label>Show as<select name="chart" data-testid="sql-chart-kind">${CHARTS.map((c) => `<option>${c}</option>`).join('')}</select></label>
          <button data-testid="sql-run">Run</button>
          <span class="meta">Download:
            <a href="#" data-format="csv" data-testid="sql-download-csv">CSV</a>
            <a href="#" data-format="arrow" data-testid="sql-download-arrow">Arrow</a>
            <a href="#" data-format="parquet" data-testid="sql-download-parquet">Parquet</a></span>
        </div>
      </form>
      <p class="error" data-testid="sql-error"></p>
      <div data-testid="sql-result"></div>
      <p class="meta" data-testid="sql-meta"></p>
      <form id="save" class="toolbar">
        <label>Save as<input name="id" required pattern="[a-z0-9][a-z0-9_\\-]{0,62}" placeholder="query-id" data-testid="sql-save-id"></label>
        <label>Name<input name="name" required maxlength="200" data-testid="sql-save-name"></label>
        <label>and show it on<select name="dashboard" data-testid="sql-save-dashboard"><option value="">no dashboard</option>${dashboards.map((d) => `<option value="${escape(d.id)}">${escape(d.name)}</option>`).join('')}</select></label>
        <button data-testid="sql-save">Save</button>
        <span role="status" data-testid="sql-saved"></span>
      </form>
    </section>
    <section class="tile wide"><h2>Your recent queries</h2>
      <ol data-testid="sql-history">${history
        .map(
          (h) =>
            `<li><a href="#" data-history="${escape(h.id)}">${escape(h.statement.slice(0, 120))}</a> <span class="meta">${escape(h.error ? `error: ${h.error.slice(0, 80)}` : `${h.rows ?? 0} rows, ${h.ms ?? 0} ms`)}</span></li>`,
        )
        .join('')}</ol></section>`;
  const form = main.querySelector('#sql') as HTMLFormElement;
  const error = main.querySelector('[data-testid=sql-error]') as HTMLElement;
  const result = main.querySelector('[data-testid=sql-result]') as HTMLElement;
  const meta = main.querySelector('[data-testid=sql-meta]') as HTMLElement;
  const asked = () => {
    const f = new FormData(form);
    const range = resolveRange({ preset: String(f.get('range')) as RangePreset }, zone);
    return { query: String(f.get('query')), ...range, chart: String(f.get('chart')) as SqlChart };
  };
  let last: SqlAnswer | undefined;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { chart, ...body } = asked();
    error.textContent = '';
    meta.textContent = 'running...';
    void post<SqlAnswer>('/v1/sql', body).then(
      (a) => {
        last = a;
        const problem = drawSqlAnswer(a, chart, result, zone);
        meta.textContent = `${sqlSources(a, zone)}${problem ? ` (${problem})` : ''}`;
      },
      (err: Error) => {
        meta.textContent = '';
        error.textContent = err.message;
      },
    );
  });
  for (const a of main.querySelectorAll<HTMLAnchorElement>('[data-format]'))
    a.addEventListener('click', (e) => {
      e.preventDefault();
      void download(a.dataset.format as 'csv' | 'arrow' | 'parquet').catch(
        (err: Error) => (error.textContent = err.message),
      );
    });
  const download = async (format: 'csv' | 'arrow' | 'parquet') => {
    const { query, from, to } = asked();
    const body = { query, from, to };
    let blob: Blob;
    if (format === 'csv') {
      const a = last ?? (await post<SqlAnswer>('/v1/sql', body));
      const quote = (v: unknown) => {
        const t = v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
        return /[",\n\r]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
      };
      blob = new Blob(
        [
          [a.columns.map((c) => quote(c.name)).join(','), ...a.rows.map((r) => r.map(quote).join(','))].join(
            '\n',
          ),
        ],
        { type: 'text/csv' },
      );
    } else {
      const res = await fetch('/v1/sql', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: MEDIA[format] },
        body: JSON.stringify(body),
      });
      if (!res.ok)
        throw new Error(((await res.json()) as { message?: string }).message ?? `HTTP ${res.status}`);
      blob = await res.blob();
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `answer.${format === 'arrow' ? 'arrows' : format}`;
    link.click();
  };
  for (const a of main.querySelectorAll<HTMLAnchorElement>('[data-history]'))
    a.addEventListener('click', (e) => {
      e.preventDefault();
      const h = history.find((x) => x.id === a.dataset.history);
      if (h) (form.elements.namedItem('query') as HTMLTextAreaElement).value = h.statement;
    });
  const saved = main.querySelector('[data-testid=sql-saved]') as HTMLElement;
  (main.querySelector('#save') as HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const { query, chart } = asked();
    const id = String(f.get('id'));
    const name = String(f.get('name'));
    void (async () => {
      await post('/v1/queries', { id, name, query });
      const target = dashboards.find((d) => d.id === f.get('dashboard'));
      if (target) {
        const tile = {
          title: name,
          query: id,
          range: { preset: String(new FormData(form).get('range')) },
          chart,
        };
        await patch(`/v1/dashboards/${target.id}`, {
          tiles: [...target.tiles, tile],
          version: target.version,
        });
        saved.innerHTML = `saved, and shown on <a href="/dashboards?id=${escape(target.id)}">${escape(target.name)}</a>`;
      } else saved.textContent = `saved as ${id}: GET /v1/queries/${id}/answer`;
    })().catch((err: Error) => (saved.textContent = err.message));
  });
}
