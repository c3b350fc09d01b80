import { client, storedToken, storeToken, tokenClaims } from './api';
import { h } from './dom';
import { LiveFeed } from './live';
import { type View, type ViewContext, VIEWS, viewFor } from './views';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const status = document.getElementById('live-status') as HTMLElement;

let feed: LiveFeed | undefined;
let current: { view: View; dispose?: () => void } | undefined;

function loginView(message?: string): void {
  nav.replaceChildren();
  who.replaceChildren();
  status.textContent = '';
  const input = h('textarea', {
    id: 'token',
    name: 'token',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    rows: 4,
  });
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'stack',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const token = input.value.trim();
        const reply = await client(token).GET('/api/v1/features');
        if (reply.response.status === 401) {
          error.textContent =
            'This token is not accepted (expired, or not issued for this LCM).';
          return;
        }
        storeToken(token);
        start();
      },
    },
    h('label', { for: 'token' }, 'Bearer token', input),
    h(
      'p',
      { class: 'muted' },
      'Paste a token (lcmctl config view, or npm run token). It is kept in this tab only and sent as an Authorization header.',
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Log in')),
    error,
  );
  main.replaceChildren(h('h1', {}, 'Log in to LCM'), form);
  input.focus();
}

function logout(): void {
  storeToken(undefined);
  feed?.close();
  feed = undefined;
  current?.dispose?.();
  current = undefined;
  location.hash = '#/overview';
  loginView();
}

function start(): void {
  const token = storedToken();
  if (!token) return loginView();
  const claims = tokenClaims(token);
  who.replaceChildren(
    h(
      'span',
      {},
      `${claims.subject} (${claims.roles.join(', ') || 'no roles'})`,
    ),
    h('button', { type: 'button', onclick: logout }, 'Log out'),
  );
  feed?.close();
  feed = new LiveFeed(token, (text) => (status.textContent = text));
  void route();
}

async function route(): Promise<void> {
  const token = storedToken();
  if (!token || !feed) return loginView();
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  const { view, params } = viewFor(hash);
  nav.replaceChildren(
    ...VIEWS.filter((v) => v.nav).map((v) =>
      h(
        'a',
        {
          href: `#/${v.path}`,
          'aria-current':
            v === view || view.parent === v.path ? 'page' : undefined,
        },
        v.title,
      ),
    ),
  );
  current?.dispose?.();
  const context: ViewContext = {
    api: client(token),
    feed,
    params,
    claims: tokenClaims(token),
    root: main,
    onUnauthorized: () => logout(),
  };
  current = { view };
  document.title = `${view.title} · LCM console`;
  current.dispose = await view.render(context);
}

window.addEventListener('hashchange', () => void route());
start();
