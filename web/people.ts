import { escape, get, post, put, remove, type Me } from './api';

interface Member {
  userId: string;
  email: string;
  role: string;
  addedAt: string;
}
interface Token {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}
interface WriteKey {
  id: string;
  name?: string;
  createdAt: string;
  revokedAt?: string;
}
interface Entry {
  at: string;
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

const ROLES = ['viewer', 'analyst', 'admin', 'owner'];
const rank = (role: string) => ROLES.indexOf(role);
const when = (iso: string, zone: string) =>
  new Date(iso).toLocaleString('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
const options = (upTo: string, selected: string) =>
  ROLES.filter((r) => rank(r) <= rank(upTo))
    .map((r) => `<option${r === selected ? ' selected' : ''}>${r}</option>`)
    .join('');

/**
 * People and keys of the project: members and their roles, invitations by email, your personal
 * API tokens, the write keys, and the audit log. Admins change members and keys; everyone mints
 * tokens for themself. The server checks every change; the page only offers what the role allows.
 */
export async function people(main: HTMLElement, me: Me): Promise<void> {
  const zone = me.timeZone ?? 'UTC';
  const admin = rank(me.role) >= rank('admin');
  const [members, tokens, keys, audit] = await Promise.all([
    admin ? get<{ members: Member[] }>('/v1/members') : undefined,
    get<{ tokens: Token[] }>('/v1/tokens'),
    admin ? get<{ writeKeys: WriteKey[] }>('/v1/write-keys') : undefined,
    admin
      ? get<{ entries: Entry[] }>(
          `/v1/audit?limit=100${new URLSearchParams(location.search).get('answers') === '1' ? '' : '&changesOnly=true'}`,
        )
      : undefined,
  ]);
  const mayTouch = (role: string) => admin && (role !== 'owner' || me.role === 'owner');
  main.innerHTML = `
    ${
      members
        ? `<section class="tile wide"><h2>Members</h2>
      <table data-testid="members"><thead><tr><th>Email</th><th>Role</th><th>Since</th><th></th></tr></thead><tbody>${members.members
        .map(
          (m) =>
            `<tr data-member="${escape(m.userId)}"><td>${escape(m.email)}</td><td>${
              mayTouch(m.role)
                ? `<select data-action="role" aria-label="role of ${escape(m.email)}">${options(me.role, m.role)}</select>`
                : escape(m.role)
            }</td><td>${when(m.addedAt, zone)}</td><td>${
              mayTouch(m.role) ? `<button data-action="remove">Remove</button>` : ''
            }</td></tr>`,
        )
        .join('')}</tbody></table>
      <form id="invite" class="toolbar" data-testid="invite-form">
        <label>Invite<input name="email" type="email" required placeholder="colleague@example.com"></label>
        <label>as<select name="role">${options(me.role, 'viewer')}</select></label>
        <button>Send invitation</button>
      </form><p data-testid="people-said" role="status"></p></section>`
        : `<section class="tile wide"><h2>Members</h2><p>You are ${escape(me.role)} of ${escape(me.project)}. Admins manage members.</p></section>`
    }
    <section class="tile wide"><h2>Your API tokens</h2>
      <table data-testid="tokens"><thead><tr><th>Name</th><th>Role</th><th>Expires</th><th></th></tr></thead><tbody>${tokens.tokens
        .map(
          (t) =>
            `<tr data-token="${escape(t.id)}"><td>${escape(t.name)}</td><td>${escape(t.role)}</td><td>${
              t.revokedAt ? 'revoked' : when(t.expiresAt, zone)
            }</td><td>${t.revokedAt ? '' : '<button data-action="revoke">Revoke</button>'}</td></tr>`,
        )
        .join('')}</tbody></table>
      <form id="mint" class="toolbar">
        <label>Name<input name="name" required maxlength="100" placeholder="notebook"></label>
        <label>Role<select name="role">${options(me.role, me.role)}</select></label>
        <label>Days<input name="days" type="number" min="1" max="365" value="90"></label>
        <button>Mint token</button>
      </form><p data-testid="token-said" role="status"></p></section>
    ${
      keys
        ? `<section class="tile wide"><h2>Write keys</h2>
      <table data-testid="write-keys"><thead><tr><th>Name</th><th>Id</th><th>Created</th><th></th></tr></thead><tbody>${keys.writeKeys
        .map(
          (k) =>
            `<tr data-key="${escape(k.id)}"><td>${escape(k.name ?? '')}</td><td><code>${escape(k.id)}</code></td><td>${when(k.createdAt, zone)}</td><td>${
              k.revokedAt ? 'revoked' : '<button data-action="revoke-key">Revoke</button>'
            }</td></tr>`,
        )
        .join('')}</tbody></table>
      <form id="new-key" class="toolbar"><label>Name<input name="name" required maxlength="100" placeholder="website"></label><button>Create write key</button></form>
      <p data-testid="key-said" role="status"></p></section>`
        : ''
    }
    ${
      audit
        ? `<section class="tile wide"><h2>Audit log</h2>
      <p>${new URLSearchParams(location.search).get('answers') === '1' ? '<a href="/people">Changes only</a>' : 'Changes, exports and sign-ins; <a href="/people?answers=1">with answers served</a> (counted per minute).'}</p>
      <table data-testid="audit"><thead><tr><th>When</th><th>Who</th><th>What</th><th>On</th><th>Detail</th></tr></thead><tbody>${audit.entries
        .map(
          (e) =>
            `<tr><td>${when(e.at, zone)}</td><td>${escape(e.actor)}</td><td>${escape(e.action)}</td><td>${escape(e.target ?? '')}</td><td><code>${escape(e.detail ? JSON.stringify(e.detail) : '')}</code></td></tr>`,
        )
        .join('')}</tbody></table></section>`
        : ''
    }`;
  const again = () => people(main, me);
  const said = (testid: string, text: string) => {
    const el = main.querySelector(`[data-testid=${testid}]`);
    if (el) el.textContent = text;
  };
  main.querySelector('#invite')?.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    void post<{ email: string; role: string }>('/v1/members/invitations', {
      email: f.get('email'),
      role: f.get('role'),
    }).then(
      (sent) => said('people-said', `Invitation sent to ${sent.email} as ${sent.role}.`),
      (err: Error) => said('people-said', err.message),
    );
  });
  for (const row of main.querySelectorAll<HTMLTableRowElement>('tr[data-member]')) {
    const id = row.dataset.member as string;
    row.querySelector('[data-action=role]')?.addEventListener('change', (e) => {
      void put(`/v1/members/${id}`, { role: (e.target as HTMLSelectElement).value }).then(
        again,
        (err: Error) => said('people-said', err.message),
      );
    });
    row.querySelector('[data-action=remove]')?.addEventListener('click', () => {
      void remove(`/v1/members/${id}`).then(again, (err: Error) => said('people-said', err.message));
    });
  }
  main.querySelector('#mint')?.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    void post<{ token: string; name: string }>('/v1/tokens', {
      name: f.get('name'),
      role: f.get('role'),
      expiresInDays: Number(f.get('days')),
    }).then(
      async (t) => {
        await again();
        said('token-said', `Token ${t.name} (shown once, copy it now): ${t.token}`);
      },
      (err: Error) => said('token-said', err.message),
    );
  });
  for (const row of main.querySelectorAll<HTMLTableRowElement>('tr[data-token]'))
    row.querySelector('[data-action=revoke]')?.addEventListener('click', () => {
      void remove(`/v1/tokens/${row.dataset.token as string}`).then(again, (err: Error) =>
        said('token-said', err.message),
      );
    });
  main.querySelector('#new-key')?.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    void post<{ writeKey: string; name: string }>('/v1/write-keys', { name: f.get('name') }).then(
      async (k) => {
        await again();
        said('key-said', `Write key ${k.name} (shown once, copy it now): ${k.writeKey}`);
      },
      (err: Error) => said('key-said', err.message),
    );
  });
  for (const row of main.querySelectorAll<HTMLTableRowElement>('tr[data-key]'))
    row.querySelector('[data-action=revoke-key]')?.addEventListener('click', () => {
      void remove(`/v1/write-keys/${row.dataset.key as string}`).then(again, (err: Error) =>
        said('key-said', err.message),
      );
    });
}
