// Users of mongoRealmAuthenticator's collection: list (the API never returns passwords, and the UI
// never shows or pre-fills one), create, change roles or password, delete. The permissions are the
// ACL collection's documents, edited in the documents screen (the ACL link in the header).
import { collPath, currentSession, passwordChanged, request } from './api.js';
import { h, labeled, modal, note, replace } from './dom.js';

const roleList = (text) => text.split(',').map((r) => r.trim()).filter(Boolean);

export async function usersScreen(main, config) {
  const base = collPath(config.users.db, config.users.coll);
  if (!base) return replace(main, note('error', 'The users collection is not exposed by a mongo-mount.'));
  const status = h('div');

  async function load() {
    const users = (await request('GET', base, { query: { pagesize: '1000', sort: '{"_id":1}' } })).body ?? [];
    const userPath = (u) => `${base}/${encodeURIComponent(String(u._id))}`;
    const rows = users.map((u) => h('tr',
      h('td', String(u._id)),
      h('td', (u.roles ?? []).join(', ')),
      h('td.actions',
        h('button.small', { 'aria-label': `Change password of ${u._id}`, onclick: () => setPassword(u, userPath(u)) }, 'Change password'),
        h('button.small', { 'aria-label': `Edit roles of ${u._id}`, onclick: () => setRoles(u, userPath(u)) }, 'Roles'),
        h('button.small', { 'aria-label': `Delete user ${u._id}`, onclick: () => remove(u, userPath(u)) }, 'Delete'))));
    replace(main,
      h('div.bar', h('h1', 'Users'), h('button.primary', { onclick: create }, 'New user')),
      h('p.muted', `Collection ${config.users.db}.${config.users.coll}. Passwords are stored hashed and never shown.`),
      status,
      h('table', h('thead', h('tr', h('th', 'User'), h('th', 'Roles'), h('th', ''))), h('tbody', rows)));
  }

  async function create() {
    const id = h('input', { required: true, autocomplete: 'off' });
    const pw = h('input', { type: 'password', required: true, autocomplete: 'new-password' });
    const roles = h('input', { placeholder: 'user, editor' });
    const done = await modal('New user', h('div', labeled('User', id), labeled('Password', pw), labeled('Roles (comma-separated)', roles)), {
      ok: 'Create',
      submit: () => request('POST', base, { body: { _id: id.value.trim(), password: pw.value, roles: roleList(roles.value) } }),
    });
    if (done) await load();
  }

  async function setPassword(u, path) {
    const pw = h('input', { type: 'password', required: true, autocomplete: 'new-password' });
    const again = h('input', { type: 'password', required: true, autocomplete: 'new-password' });
    const done = await modal(`New password for ${u._id}`, h('div', labeled('New password', pw), labeled('Repeat', again)), {
      ok: 'Change password',
      submit: async () => {
        if (pw.value !== again.value) throw new Error('The two passwords differ.');
        await request('PATCH', path, { body: { password: pw.value } });
        return true;
      },
    });
    if (!done) return;
    if (u._id === 'admin' && pw.value !== 'secret') passwordChanged();
    // the header's default-password warning is re-rendered by the router
    if (u._id === currentSession()?.username || u._id === 'admin') window.dispatchEvent(new HashChangeEvent('hashchange'));
    else {
      await load();
      status.append(note('ok', `Password of ${u._id} changed.`));
    }
  }

  async function setRoles(u, path) {
    const roles = h('input', { value: (u.roles ?? []).join(', ') });
    const done = await modal(`Roles of ${u._id}`, labeled('Roles (comma-separated)', roles), {
      ok: 'Save', submit: () => request('PATCH', path, { body: { roles: roleList(roles.value) } }),
    });
    if (done) await load();
  }

  async function remove(u, path) {
    const done = await modal(`Delete user ${u._id}?`, h('p', 'The user can no longer log in.'), {
      ok: 'Delete', danger: true, submit: () => request('DELETE', path),
    });
    if (done) await load();
  }

  await load();
}
