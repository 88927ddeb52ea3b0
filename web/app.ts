import { escape, get, put, SignInNeeded, type Me } from './api';
import { dashboards } from './dashboards';
import { liveEvents } from './events';
import { experiments } from './experiments';
import { explorer } from './explorer';
import { insights } from './insights';
import { overview } from './overview';
import { paths } from './paths';
import { person } from './person';
import { segments } from './segments';

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
    header(me, zone);
    if (location.pathname === '/explore') await explorer(main, zone, me.scopes);
    else if (location.pathname === '/insights') await insights(main, zone, me.scopes);
    else if (location.pathname === '/paths') await paths(main, zone);
    else if (location.pathname === '/events') leave = liveEvents(main, zone);
    else if (location.pathname === '/dashboards') await dashboards(main, zone, me.scopes);
    else if (location.pathname === '/experiments') await experiments(main, me.scopes);
    else if (location.pathname === '/segments') await segments(main, me.scopes, zone);
    else if (location.pathname === '/person') await person(main, zone);
    else leave = overview(main, zone);
  } catch (e) {
    main.innerHTML = `<section class="tile wide"><h2>${e instanceof SignInNeeded ? 'Sign in' : 'Error'}</h2><p class="${e instanceof SignInNeeded ? '' : 'error'}">${escape((e as Error).message)}</p></section>`;
  }
}

/**
 * The header: the project, and the user's time zone, which a signed-in user changes here (saved
 * in PostgreSQL: it follows the user to every browser).
 */
function header(me: Me, zone: string): void {
  const el = document.getElementById('project') as HTMLElement;
  if (!me.user) {
    el.textContent = `project ${me.project} · ${zone}`;
    return;
  }
  const zones = Intl.supportedValuesOf('timeZone');
  if (!zones.includes(zone)) zones.unshift(zone);
  el.innerHTML = `project ${escape(me.project)} · ${escape(me.user)} · <select data-testid="zone" aria-label="time zone">${zones
    .map((z) => `<option${z === zone ? ' selected' : ''}>${escape(z)}</option>`)
    .join('')}</select>`;
  (el.querySelector('select') as HTMLSelectElement).addEventListener('change', (e) => {
    void put('/v1/me/settings', { timeZone: (e.target as HTMLSelectElement).value }).then(
      route,
      (err: Error) => {
        el.append(` ${err.message}`);
      },
    );
  });
}

window.addEventListener('popstate', () => void route());
void route();
