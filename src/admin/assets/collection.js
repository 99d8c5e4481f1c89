// One collection: tabs for its documents (or files, for a bucket), indexes, metadata (aggrs,
// streams, jsonSchema — edited as JSON and written with If-Match), aggregations (run with avars)
// and change streams (live, streams.js).
import { collPath, request } from './api.js';
import { pretty } from './ejson.js';
import { h, labeled, modal, note, replace } from './dom.js';
import { documentsView } from './documents.js';
import { filesView } from './files.js';
import { streamsView } from './streams.js';

const href = (...parts) => `#/${parts.map(encodeURIComponent).join('/')}`;

async function indexesView(main, base) {
  const list = (await request('GET', `${base}/_indexes`)).body ?? [];
  const rows = list.map((ix) => h('tr',
    h('td', ix._id), h('td.code', JSON.stringify(ix.key)),
    h('td.code', JSON.stringify(Object.fromEntries(Object.entries(ix).filter(([k]) => !['_id', 'key', 'v'].includes(k))))),
    h('td', ix._id === '_id_' ? null : h('button.small', {
      'aria-label': `Drop index ${ix._id}`,
      onclick: async () => (await modal(`Drop index ${ix._id}?`, h('p', 'Queries that use it will scan instead.'), {
        ok: 'Drop index', danger: true, submit: () => request('DELETE', `${base}/_indexes/${encodeURIComponent(ix._id)}`),
      })) && indexesView(main, base),
    }, 'Drop'))));
  const create = async () => {
    const name = h('input', { required: true, autofocus: true });
    const keys = h('input.code', { required: true, placeholder: '{"qty": 1}' });
    const ops = h('input.code', { placeholder: '{"unique": true}' });
    const done = await modal('New index', h('div', labeled('Name', name), labeled('Keys', keys), labeled('Options', ops)), {
      ok: 'Create',
      submit: () => {
        const body = { keys: JSON.parse(keys.value) };
        if (ops.value.trim()) body.ops = JSON.parse(ops.value);
        return request('PUT', `${base}/_indexes/${encodeURIComponent(name.value.trim())}`, { body });
      },
    });
    if (done) indexesView(main, base);
  };
  replace(main, h('div.bar', h('button.primary', { onclick: create }, 'New index')),
    h('table', h('thead', h('tr', h('th', 'Name'), h('th', 'Keys'), h('th', 'Options'), h('th', ''))), h('tbody', rows)));
}

async function metadataView(main, base) {
  const r = await request('GET', `${base}/_meta`, { query: { jsonMode: 'extended' } });
  const { _id, _etag, ...meta } = r.body ?? {};
  const etag = r.etag ?? _etag?.$oid;
  const area = h('textarea.code', { rows: 20, spellcheck: 'false', 'aria-label': 'Collection metadata', value: pretty(meta) });
  const status = h('div');
  const form = h('form', {
    async onsubmit(e) {
      e.preventDefault();
      try {
        await request('PUT', base, { body: area.value, headers: etag ? { 'If-Match': etag } : {} });
        await metadataView(main, base);
        main.append(note('ok', 'Metadata saved.'));
      } catch (err) {
        replace(status, note('error', err.status === 412 ? 'Conflict: the metadata changed since it was loaded (ETag mismatch); reload it.' : err.message));
      }
    },
  }, h('p.muted', 'aggrs (aggregations), streams (change streams) and jsonSchema (validation) live here; saving replaces the metadata (PUT with If-Match).'),
  area, status, h('div.bar', h('button.primary', { type: 'submit' }, 'Save metadata')));
  replace(main, form);
}

async function aggregationsView(main, base) {
  const meta = (await request('GET', `${base}/_meta`)).body ?? {};
  const aggrs = Array.isArray(meta.aggrs) ? meta.aggrs : [];
  if (aggrs.length === 0) return replace(main, note('ok', 'No aggregations: add them to the metadata (aggrs).'));
  const which = h('select', {}, aggrs.map((a) => h('option', { value: a.uri }, a.uri)));
  const avars = h('input.code', { placeholder: '{"minQty": 10}' });
  const out = h('div');
  const form = h('form.query', {
    async onsubmit(e) {
      e.preventDefault();
      try {
        const r = await request('GET', `${base}/_aggrs/${encodeURIComponent(which.value)}`, { query: { avars: avars.value.trim(), jsonMode: 'extended' } });
        replace(out, h('pre.code', pretty(r.body)));
      } catch (err) {
        replace(out, note('error', err.message));
      }
    },
  }, labeled('Aggregation', which), labeled('Variables (avars)', avars), h('button.primary', { type: 'submit' }, 'Run'));
  replace(main, form, out);
}

export async function collectionScreen(main, db, coll, tab, config) {
  const base = collPath(db, coll);
  if (!base) return replace(main, note('error', `${db}.${coll} is not exposed by a mongo-mount.`));
  const bucket = coll.endsWith('.files');
  const tabs = bucket
    ? [['documents', 'Files'], ['meta', 'Metadata']]
    : [['documents', 'Documents'], ['indexes', 'Indexes'], ['meta', 'Metadata'], ['aggrs', 'Aggregations'], ['streams', 'Change streams']];
  const body = h('section');
  replace(main,
    h('p.crumbs', h('a', { href: '#/' }, 'Databases'), ' / ', h('a', { href: href('db', db) }, db), ' / ', coll),
    h('h1', bucket ? `${coll.slice(0, -6)} (file bucket)` : coll),
    h('nav.tabs', { 'aria-label': 'Collection' }, tabs.map(([t, label]) => h('a', { href: href('db', db, coll, t), 'aria-current': t === tab ? 'page' : null }, label))),
    body);
  if (tab === 'indexes' && !bucket) return indexesView(body, base);
  if (tab === 'meta') return metadataView(body, base);
  if (tab === 'aggrs' && !bucket) return aggregationsView(body, base);
  if (tab === 'streams' && !bucket) return streamsView(body, base);
  if (bucket) return filesView(body, base, config);
  return documentsView(body, base);
}
