import { get, SignInNeeded } from './api';
import { explorer } from './explorer';
import { escape, overview } from './overview';

/** The web app: a page per path, all from the same bundle. */
async function route(): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-nav]'))
    a.toggleAttribute('aria-current', a.pathname === location.pathname);
  try {
    const me = await get<{ project: string }>('/v1/me');
    (document.getElementById('project') as HTMLElement).textContent = `project ${me.project}`;
    if (location.pathname === '/explore') await explorer(main);
    else overview(main);
  } catch (e) {
    main.innerHTML = `<section class="tile wide"><h2>${e instanceof SignInNeeded ? 'Sign in' : 'Error'}</h2><p class="${e instanceof SignInNeeded ? '' : 'error'}">${escape((e as Error).message)}</p></section>`;
  }
}

window.addEventListener('popstate', () => void route());
void route();
