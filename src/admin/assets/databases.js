// Databases and collections: lists with document counts, create, and drop with the ETag
// confirmation RESTHeart requires (the current _etag is read, shown, and sent as If-Match).
import { collPath, dbPath, mountedDbs, request, rootPath } from './api.js';
import { h, labeled, modal, note, replace } from './dom.js';

const href = (...parts) => `#/${parts.map(encodeURIComponent).join('/')}`;

/** Reads the resource's ETag, asks, then DELETE with If-Match; true when dropped. */
export async function dropWithEtag(kind, name, path) {
  const meta = await request('GET', `${path === '/' ? '' : path}/_meta`);
  const etag = meta.etag ?? meta.body?._etag?.$oid;
  return modal(`Drop ${kind} ${name}?`, h('div',
    h('p', `This deletes the ${kind} `, h('strong', name), kind === 'database' ? ' and every collection in it.' : ' and every document in it.'),
    h('p.muted', `It is sent with If-Match: ${etag}; if someone changed it meanwhile the server refuses (412).`)), {
    ok: `Drop ${kind}`, danger: true,
    submit: async () => {
      await request('DELETE', path, { headers: etag ? { 'If-Match': etag } : {} });
      return true;
    },
  });
}

function createDialog(title, label, build) {
  const input = h('input', { required: true, autofocus: true });
  return modal(title, labeled(label, input), { ok: 'Create', submit: () => build(input.value.trim()) });
}

export async function databasesScreen(main) {
  const rp = rootPath();
  const names = rp ? (await request('GET', rp)).body : mountedDbs();
  const rows = names.filter((n) => typeof n === 'string').sort().map((db) => h('tr',
    h('td', h('a', { href: href('db', db) }, db)),
    h('td', rp ? h('button.small', { 'aria-label': `Drop database ${db}`, onclick: async () => (await dropWithEtag('database', db, dbPath(db))) && databasesScreen(main) }, 'Drop') : null)));
  replace(main,
    h('div.bar', h('h1', 'Databases'),
      rp ? h('button.primary', { onclick: async () => (await createDialog('New database', 'Name', (n) => request('PUT', dbPath(n)))) && databasesScreen(main) }, 'New database') : null),
    rows.length ? h('table', h('thead', h('tr', h('th', 'Database'), h('th', ''))), h('tbody', rows)) : note('ok', 'No databases.'));
}

async function counts(db, names, cells) {
  await Promise.all(names.map(async (n, i) => {
    try {
      cells[i].textContent = String((await request('GET', `${collPath(db, n)}/_size`)).body._size);
    } catch (err) {
      cells[i].textContent = err.status === 403 ? 'no access' : '?';
    }
  }));
}

export async function databaseScreen(main, db) {
  const path = dbPath(db);
  if (!path) {
    replace(main, note('error', `Database ${db} is not exposed by a mongo-mount as a whole.`));
    return;
  }
  const names = ((await request('GET', path)).body ?? []).filter((n) => typeof n === 'string' && !n.endsWith('.chunks')).sort();
  const countCells = names.map(() => h('td.num', '…'));
  const rows = names.map((n, i) => {
    const bucket = n.endsWith('.files');
    return h('tr',
      h('td', h('a', { href: href('db', db, n) }, bucket ? n.slice(0, -'.files'.length) : n)),
      h('td', bucket ? 'file bucket' : 'collection'),
      countCells[i],
      h('td', h('button.small', { 'aria-label': `Drop ${n}`, onclick: async () => (await dropWithEtag(bucket ? 'file bucket' : 'collection', n, collPath(db, n))) && databaseScreen(main, db) }, 'Drop')));
  });
  const create = (what, suffix) => async () => {
    const done = await createDialog(`New ${what} in ${db}`, 'Name', (n) => request('PUT', collPath(db, n + suffix)));
    if (done) databaseScreen(main, db);
  };
  replace(main,
    h('p.crumbs', h('a', { href: '#/' }, 'Databases'), ' / ', db),
    h('div.bar', h('h1', db),
      h('button.primary', { onclick: create('collection', '') }, 'New collection'),
      h('button', { onclick: create('file bucket', '.files') }, 'New file bucket')),
    names.length
      ? h('table', h('thead', h('tr', h('th', 'Name'), h('th', 'Kind'), h('th.num', 'Documents'), h('th', ''))), h('tbody', rows))
      : note('ok', 'No collections yet.'));
  await counts(db, names, countCells);
}
