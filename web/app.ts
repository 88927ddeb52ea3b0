import { escape, get, SignInNeeded, type Me } from './api';
import { dashboards } from './dashboards';
import { liveEvents } from './events';
import { explorer } from './explorer';
import { overview } from './overview';

let leave: (() => void) | undefined;

/** The web app: a page per path, all from the same bundle; times in the signed-in user's zone. */
async function route(): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  leave?.();
  leave = undefined;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-nav]'))
    a.toggleAttribute('aria-current', a.pathname === location.pathname);
  try {
    const me = await get<Me>('/v1/me');
    const zone = me.timeZone ?? 'UTC';
    (document.getElementById('project') as HTMLElement).textContent = `project ${me.project} · ${zone}`;
    if (location.pathname === '/explore') await explorer(main, zone);
    else if (location.pathname === '/events') leave = liveEvents(main, zone);
    else if (location.pathname === '/dashboards') await dashboards(main, zone, me.scopes);
    else leave = overview(main, zone);
  } catch (e) {
    main.innerHTML = `<section class="tile wide"><h2>${e instanceof SignInNeeded ? 'Sign in' : 'Error'}</h2><p class="${e instanceof SignInNeeded ? '' : 'error'}">${escape((e as Error).message)}</p></section>`;
  }
}

window.addEventListener('popstate', () => void route());
void route();
