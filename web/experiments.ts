import { escape, mayWrite, get } from './api';
import { defineFormHtml, wireDefineForm } from './define-form';
import { experimentBody, experimentFields } from './experiment-form';

interface Comparison {
  variation: string;
  frequentist: { expected: number; ci: [number, number]; pValue: number; problem?: string };
  bayesian: { chanceToWin: number; risk: [number, number]; problem?: string };
}
interface Results {
  variations: { id: string; weight: number; users: number; persons: string[] }[];
  excluded: { multipleVariations: number; unknownVariation: number };
  srm: { pValue: number; flagged: boolean };
  metrics: {
    metric: { kind: string; event?: string; metric?: string; insight?: string };
    role: string;
    variations: { id: string; users: number; total: number; mean: number }[];
    comparisons: Comparison[];
  }[];
  parts: { source: string; from: string; to: string }[];
}
interface Experiment {
  definition: {
    id: string;
    name?: string;
    start: string;
    end?: string;
    variations: { id: string; weight: number }[];
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const EXAMPLE = {
  id: 'new-checkout',
  variations: [
    { id: 'control', weight: 0.5 },
    { id: 'one-page', weight: 0.5 },
  ],
  start: new Date().toISOString().slice(0, 10) + 'T00:00:00Z',
  goals: [{ kind: 'conversion', event: 'purchase' }],
};

/**
 * Experiments of the project: pick one to see its results (users and SRM, each metric per
 * variation, each variation against the control, frequentist or sequential, Bayesian, CUPED);
 * an admin defines one with a form (or by its JSON, the API's body).
 */
export async function experiments(main: HTMLElement, scopes: string[]): Promise<void> {
  const params = new URLSearchParams(location.search);
  const { experiments: all } = await get<{ experiments: Experiment[] }>('/v1/experiments');
  const id = params.get('id') ?? all[0]?.definition.id;
  const cuped = params.get('cuped') !== 'false';
  const sequential = params.get('sequential') === 'true';
  main.innerHTML = `
    <section class="tile wide">
      <form id="pick" class="toolbar">
        <label>Experiment<select name="id" data-testid="experiment-select">${all
          .map(
            (e) =>
              `<option value="${escape(e.definition.id)}"${e.definition.id === id ? ' selected' : ''}>${escape(e.definition.name ?? e.definition.id)}</option>`,
          )
          .join('')}</select></label>
        <label><input type="checkbox" name="cuped" value="true"${cuped ? ' checked' : ''} /> CUPED</label>
        <label><input type="checkbox" name="sequential" value="true"${sequential ? ' checked' : ''} /> sequential</label>
        <button>Show</button>
      </form>
    </section>
    <div id="results" class="wide"></div>
    ${mayWrite(scopes) ? defineFormHtml('experiment', experimentFields(), EXAMPLE, 10) : ''}`;
  const pick = main.querySelector('#pick') as HTMLFormElement;
  pick.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(pick);
    const next = new URLSearchParams({ id: String(data.get('id') ?? '') });
    next.set('cuped', data.get('cuped') ? 'true' : 'false');
    if (data.get('sequential')) next.set('sequential', 'true');
    history.pushState(null, '', `/experiments?${next}`);
    void experiments(main, scopes);
  });
  wireDefineForm(main, '/v1/experiments', '/experiments', () => experiments(main, scopes), experimentBody);
  const out = main.querySelector('#results') as HTMLElement;
  if (!id) {
    out.innerHTML = '<section class="tile"><p>No experiment yet.</p></section>';
    return;
  }
  const q = new URLSearchParams({ cuped: String(cuped), ...(sequential ? { sequential: 'true' } : {}) });
  const r = await get<Results>(`/v1/experiments/${encodeURIComponent(id)}/results?${q}`);
  out.innerHTML = `
    <section class="tile wide">
      <h2>Users</h2>
      <table data-testid="experiment-users"><tr><th>variation</th><th>weight</th><th>users</th></tr>${r.variations
        .map(
          (v) =>
            `<tr><td>${escape(v.id)}</td><td class="num">${v.weight}</td><td class="num">${v.users}</td></tr>`,
        )
        .join('')}</table>
      <p class="meta" data-testid="experiment-persons">First exposed: ${r.variations
        .map(
          (v) =>
            `${escape(v.id)}: ${v.persons.map((n) => `<a href="/person?id=${encodeURIComponent(n)}">${escape(n)}</a>`).join(', ') || 'none'}`,
        )
        .join(' · ')}</p>
      <p class="${r.srm.flagged ? 'error' : 'meta'}" data-testid="srm">${
        r.srm.flagged
          ? `Sample ratio mismatch: p = ${r.srm.pValue.toExponential(2)}. The split does not follow the weights: fix the assignment before trusting these results.`
          : `Split as weighted (SRM p = ${r.srm.pValue.toFixed(3)}).`
      } ${r.excluded.multipleVariations} users shown several variations left out.</p>
      <p class="meta">${r.parts.map((p) => `${p.source} ${p.from.slice(0, 16)}–${p.to.slice(0, 16)}`).join(', ')}</p>
    </section>
    ${r.metrics
      .map(
        (
          m,
        ) => `<section class="tile wide"><h2>${escape(m.role)}: ${escape(m.metric.kind === 'conversion' ? `converted (${m.metric.event ?? ''})` : m.metric.kind === 'insight' ? `insight ${m.metric.insight ?? ''}` : `mean ${m.metric.metric ?? ''} per user`)}</h2>
        <table data-testid="experiment-metric"><tr><th>variation</th><th>users</th><th>mean</th><th>uplift</th><th>${sequential ? 'always-valid ' : ''}CI</th><th>p-value</th><th>chance to win</th><th>risk</th></tr>${m.variations
          .map((v, i) => {
            const c = i === 0 ? undefined : m.comparisons[i - 1];
            return `<tr><td>${escape(v.id)}</td><td class="num">${v.users}</td><td class="num">${v.mean.toFixed(4)}</td>${
              c
                ? `<td class="num">${pct(c.frequentist.expected)}</td><td class="num">[${pct(c.frequentist.ci[0])}, ${pct(c.frequentist.ci[1])}]</td><td class="num">${c.frequentist.pValue.toFixed(4)}</td><td class="num">${pct(c.bayesian.chanceToWin)}</td><td class="num">${pct(c.bayesian.risk[1])}</td>`
                : '<td colspan="5" class="meta">control</td>'
            }</tr>`;
          })
          .join('')}</table></section>`,
      )
      .join('')}`;
}
