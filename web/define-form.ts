import { escape, post } from './api';

/**
 * The admin's "define" section of the experiments and segments pages: a form of fields (`fields`,
 * the page's own), and the API's JSON body as the advanced way, folded away. Both save through
 * the same API call, whose refusal is shown beside the button.
 */
export function defineFormHtml(kind: string, fields: string, example: unknown, rows: number): string {
  const a = /^[aeiou]/.test(kind) ? 'an' : 'a';
  return `<section class="tile wide define"><h2>Define ${a} ${kind}</h2>
    <form id="build" class="builder" data-testid="${kind}-form">${fields}
      <div class="actions"><button data-testid="${kind}-save">Save</button><span class="meta" data-testid="build-said"></span></div>
    </form>
    <details><summary>Advanced: define it by its JSON (the API's body)</summary>
      <form id="define"><textarea name="json" rows="${rows}" cols="80" data-testid="${kind}-json">${escape(JSON.stringify(example, null, 2))}</textarea><button>Save</button><span class="meta" data-testid="define-said"></span></form>
    </details></section>`;
}

/** A repeatable row of fields (variations, conditions): the template's HTML, and a button adding one. */
export function rowsHtml(list: string, template: string, count: number, addLabel: string): string {
  return `<div class="rows" data-rows="${list}">${Array.from({ length: count }, () => template).join('')}</div>
    <button type="button" data-add="${list}">${addLabel}</button>
    <template data-template="${list}">${template}</template>`;
}

/** Makes add and remove buttons of the repeatable rows work. */
export function wireRows(form: HTMLFormElement): void {
  form.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const add = target.getAttribute('data-add');
    if (add) {
      const template = form.querySelector<HTMLTemplateElement>(`template[data-template="${add}"]`);
      form.querySelector(`[data-rows="${add}"]`)?.append(template?.content.cloneNode(true) ?? '');
    }
    if (target.hasAttribute('data-remove')) target.closest('.row')?.remove();
  });
}

/** A field's text, trimmed; `undefined` when empty. */
export function field(scope: ParentNode, name: string): string | undefined {
  const el = scope.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
  const v = el?.value.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A number the user typed, or a message naming the field when it is not one. */
export function numberField(scope: ParentNode, name: string, label: string): number | undefined {
  const v = field(scope, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${label} must be a number (got '${v}')`);
  return n;
}

async function save(
  said: HTMLElement,
  body: () => { id: string },
  to: { api: string; page: string; reload: () => Promise<void> },
): Promise<void> {
  try {
    const b = body();
    await post(to.api, b);
    history.pushState(null, '', `${to.page}?id=${encodeURIComponent(b.id)}`);
    await to.reload();
  } catch (err) {
    said.innerHTML = `<span class="error">${escape((err as Error).message)}</span>`;
  }
}

/**
 * Saves with POST `api`, from the fields (`build` turns them into the API's body) or from the
 * JSON, then shows the saved one (`page?id=`) through `reload`.
 */
export function wireDefineForm(
  main: HTMLElement,
  api: string,
  page: string,
  reload: () => Promise<void>,
  build?: (form: HTMLFormElement) => { id: string },
): void {
  const to = { api, page, reload };
  const builder = main.querySelector<HTMLFormElement>('#build');
  if (builder && build) {
    wireRows(builder);
    builder.addEventListener('submit', (e) => {
      e.preventDefault();
      const said = builder.querySelector('[data-testid=build-said]') as HTMLElement;
      void save(said, () => build(builder), to);
    });
  }
  const define = main.querySelector<HTMLFormElement>('#define');
  define?.addEventListener('submit', (e) => {
    e.preventDefault();
    const said = define.querySelector('[data-testid=define-said]') as HTMLElement;
    void save(said, () => JSON.parse(String(new FormData(define).get('json'))) as { id: string }, to);
  });
}
