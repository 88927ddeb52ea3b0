import { escape, post } from './api';

/** The admin's "define by its JSON" section of the experiments and segments pages. */
export function defineFormHtml(kind: string, example: unknown, rows: number): string {
  return `<section class="tile wide"><h2>Define a${/^[aeiou]/.test(kind) ? 'n' : ''} ${kind}</h2><form id="define"><textarea name="json" rows="${rows}" cols="80" data-testid="${kind}-json">${escape(JSON.stringify(example, null, 2))}</textarea><button>Save</button><span class="meta" data-testid="define-said"></span></form></section>`;
}

/**
 * Saves the form's JSON with POST `api`, then shows the saved one (`page?id=`) through `reload`;
 * the API's refusal is shown beside the button.
 */
export function wireDefineForm(
  main: HTMLElement,
  api: string,
  page: string,
  reload: () => Promise<void>,
): void {
  const define = main.querySelector<HTMLFormElement>('#define');
  define?.addEventListener('submit', (e) => {
    e.preventDefault();
    const said = define.querySelector('[data-testid=define-said]') as HTMLElement;
    void (async () => {
      try {
        const body = JSON.parse(String(new FormData(define).get('json'))) as { id: string };
        await post(api, body);
        history.pushState(null, '', `${page}?id=${encodeURIComponent(body.id)}`);
        await reload();
      } catch (err) {
        said.innerHTML = `<span class="error">${escape((err as Error).message)}</span>`;
      }
    })();
  });
}
