import { escape, get, post, put, SignInNeeded, type Me } from './api';
import { dashboards } from './dashboards';
import { liveEvents } from './events';
import { experiments } from './experiments';
import { explorer } from './explorer';
import { insights } from './insights';
import { overview } from './overview';
import { paths } from './paths';
import { people } from './people';
import { person } from './person';
import { segments } from './segments';
import { sqlPage } from './sql';

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
    else if (location.pathname === '/people') await people(main, me);
    else if (location.pathname === '/sql') await sqlPage(main, zone, me);
    else leave = overview(main, zone);
  } catch (e) {
    if (e instanceof SignInNeeded) signIn(main);
    else
      main.innerHTML = `<section class="tile wide"><h2>Error</h2><p class="error">${escape((e as Error).message)}</p></section>`;
  }
}

/** Signed out: a member asks for a sign-in link by email (the answer never says who is one). */
function signIn(main: HTMLElement): void {
  main.innerHTML = `<section class="tile wide"><h2>Sign in</h2>
    <form id="sign-in" class="toolbar" data-testid="sign-in-form">
      <label>Email<input name="email" type="email" required autocomplete="email"></label>
      <label>Project<input name="project" required pattern="[a-z0-9][a-z0-9_\\-]{0,62}"></label>
      <button>Email me a sign-in link</button>
    </form><p role="status" data-testid="sign-in-said"></p>
    <p>Members get a link by email. An operator of the platform prints one: <code>./platform login --project &lt;id&gt;</code></p></section>`;
  const said = main.querySelector('[data-testid=sign-in-said]') as HTMLElement;
  (main.querySelector('#sign-in') as HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    void post<{ message: string }>('/v1/auth/email-link', {
      email: f.get('email'),
      project: f.get('project'),
    }).then(
      (a) => (said.textContent = `${a.message}: open it from your inbox.`),
      (err: Error) => (said.textContent = err.message),
    );
  });
}

/**
 * The header: the project, and the user's time zone, which a signed-in user changes here (saved
 * in PostgreSQL: it follows the user to every browser).
 */
function header(me: Me, zone: string): void {
  const el = document.getElementById('project') as HTMLElement;
  if (!me.user) {
    el.textContent = `project ${me.project} · ${me.role} · ${zone}`;
    return;
  }
  const zones = Intl.supportedValuesOf('timeZone');
  if (!zones.includes(zone)) zones.unshift(zone);
  el.innerHTML = `project ${escape(me.project)} · <span data-testid="who">${escape(me.email ?? me.user)}</span> (${escape(me.role)}) · <select data-testid="zone" aria-label="time zone">${zones
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
