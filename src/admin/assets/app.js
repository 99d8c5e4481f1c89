// The admin UI: login, layout and the hash router; the screens live in their own modules.
import { currentSession, login, logout, request, rootPath, setMounts, whenLoggedOut } from './api.js';
import { h, labeled, note, replace } from './dom.js';
import { collectionScreen } from './collection.js';
import { databasesScreen, databaseScreen } from './databases.js';
import { metricsScreen } from './metrics.js';
import { openApiScreen } from './openapi.js';
import { usersScreen } from './users.js';

const root = document.getElementById('app');
let config = null;

function loginScreen(message) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', message ? note('error', message) : null);
  const button = h('button.primary', { type: 'submit' }, 'Log in');
  const form = h('form.login', {
    async onsubmit(e) {
      e.preventDefault();
      button.disabled = true;
      try {
        await login(user.value, pass.value);
        await start();
      } catch (err) {
        replace(status, note('error', err.message));
        button.disabled = false;
        pass.select();
      }
    },
  }, h('h1', 'docrest admin'), labeled('User', user), labeled('Password', pass), status, button);
  replace(root, h('main.center', form));
  user.focus();
}

function banner() {
  const s = currentSession();
  if (!s?.defaultPassword) return null;
  return h('div.banner', { role: 'alert', id: 'default-password' },
    'User "admin" still has the default password "secret": anyone who can reach this server can read and change all data. ',
    config.users ? h('a', { href: '#/users' }, 'Change it now') : 'Change it in the configuration.');
}

function layout(main) {
  const s = currentSession();
  const link = (href, text) => h('a', { href, 'aria-current': location.hash === href || location.hash.startsWith(`${href}/`) ? 'page' : null }, text);
  return [
    h('a.skip', { href: '#main-content', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('header',
      h('a.brand', { href: '#/' }, 'docrest admin'),
      h('nav', { 'aria-label': 'Sections' },
        link('#/', 'Databases'),
        config.users ? link('#/users', 'Users') : null,
        config.acl ? link(`#/db/${encodeURIComponent(config.acl.db)}/${encodeURIComponent(config.acl.coll)}`, 'ACL') : null,
        config.metrics ? link('#/metrics', 'Metrics') : null,
        link('#/api', 'API')),
      h('span.who', s.username),
      h('button', { onclick: () => logout() }, 'Log out')),
    banner(),
    main,
  ];
}

async function route() {
  if (!currentSession()) return loginScreen();
  const main = h('main#main-content', { tabindex: '-1' });
  replace(root, ...layout(main));
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'users' && config.users) await usersScreen(main, config);
    else if (parts[0] === 'metrics' && config.metrics) await metricsScreen(main, config);
    else if (parts[0] === 'api') await openApiScreen(main);
    else if (parts[0] === 'db' && parts.length === 2) await databaseScreen(main, parts[1]);
    else if (parts[0] === 'db' && parts.length >= 3) await collectionScreen(main, parts[1], parts[2], parts[3] ?? 'documents', config);
    else await databasesScreen(main);
  } catch (err) {
    if (currentSession()) main.append(note('error', err.message));
  }
}

async function start() {
  const r = await request('GET', `${document.documentElement.dataset.base}/config.json`);
  config = r.body;
  setMounts(config.mounts);
  if (!rootPath() && config.mounts.length === 0) throw new Error('no mongo-mounts: nothing to show');
  await route();
}

whenLoggedOut(() => loginScreen('You are logged out.'));
window.addEventListener('hashchange', () => config && route());

if (currentSession()) start().catch((err) => loginScreen(err.message));
else loginScreen();
