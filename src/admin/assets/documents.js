// Documents of a collection: the query boxes pass filter, sort and keys to the API as typed (so
// they accept exactly what the API accepts, and its error message is shown as it is), a paged
// table or JSON view, and create / edit / delete. Documents are read with jsonMode=extended and
// edited in ejson.js's exact form; edits and deletes send the document's _etag as If-Match, so a
// change made meanwhile by someone else is refused (412) and said so, never overwritten.
import { ApiError, request } from './api.js';
import { cell, idRef, pretty } from './ejson.js';
import { h, labeled, modal, note, replace } from './dom.js';

const COLUMNS = 12;

function docUrl(base, doc) {
  const ref = idRef(doc._id);
  if (!ref) throw new Error('this document\'s _id type cannot be addressed in a URL: use a bulk request');
  return { path: `${base}/${encodeURIComponent(ref.seg)}`, query: ref.idType ? { id_type: ref.idType } : {} };
}

function etagOf(doc) {
  return doc._etag && typeof doc._etag === 'object' ? doc._etag.$oid : undefined;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Not valid JSON: ${err.message}`);
  }
}

function conflictMessage(err) {
  if (err instanceof ApiError && err.status === 412) {
    return new Error('Conflict: this document was changed or deleted by someone else after you loaded it (its ETag no longer matches If-Match). Nothing was written. Close this dialog and reload to see the current version.');
  }
  return err;
}

function editor(text) {
  return h('textarea.code', { rows: 18, spellcheck: 'false', 'aria-label': 'Document (Extended JSON)', value: text });
}

export async function documentsView(main, base) {
  const state = { filter: '', sort: '', keys: '', page: 1, pagesize: 25, view: 'table' };
  const filter = h('input.code', { name: 'filter', placeholder: '{"qty": {"$gt": 10}}' });
  const sort = h('input.code', { name: 'sort', placeholder: '{"_id": -1}' });
  const keys = h('input.code', { name: 'keys', placeholder: '{"name": 1}' });
  const pagesize = h('select', { name: 'pagesize', 'aria-label': 'Page size' }, [10, 25, 100, 1000].map((n) => h('option', { value: n, selected: n === state.pagesize }, `${n} / page`)));
  const viewToggle = h('button', { type: 'button', onclick: () => { state.view = state.view === 'table' ? 'json' : 'table'; load(); } }, 'JSON view');
  const status = h('div.status');
  const results = h('div.results');
  const pager = h('div.pager');

  async function load() {
    viewToggle.textContent = state.view === 'table' ? 'JSON view' : 'Table view';
    replace(status);
    let docs;
    let total;
    try {
      const query = { filter: state.filter, sort: state.sort, keys: state.keys, page: String(state.page), pagesize: String(state.pagesize), jsonMode: 'extended' };
      [docs, total] = await Promise.all([
        request('GET', base, { query }).then((r) => r.body),
        request('GET', `${base}/_size`, { query: { filter: state.filter } }).then((r) => r.body._size),
      ]);
    } catch (err) {
      replace(status, note('error', err.message));
      replace(results);
      replace(pager);
      return;
    }
    const pages = Math.max(1, Math.ceil(total / state.pagesize));
    replace(pager,
      h('button', { type: 'button', disabled: state.page <= 1, onclick: () => { state.page--; load(); } }, '‹ Previous'),
      h('span', `Page ${state.page} of ${pages} · ${total} document${total === 1 ? '' : 's'}`),
      h('button', { type: 'button', disabled: state.page >= pages, onclick: () => { state.page++; load(); } }, 'Next ›'));
    if (docs.length === 0) return replace(results, note('ok', 'No documents match.'));
    if (state.view === 'json') {
      return replace(results, docs.map((d) => h('div.doc', h('pre.code', pretty(d)), actions(d))));
    }
    const cols = [...new Set(docs.flatMap((d) => Object.keys(d)))].filter((k) => k !== '_etag').slice(0, COLUMNS);
    replace(results, h('div.scroll', h('table.docs',
      h('thead', h('tr', cols.map((c) => h('th', c)), h('th', ''))),
      h('tbody', docs.map((d) => h('tr', cols.map((c) => h('td.code', cell(d[c]))), h('td.actions', actions(d))))))));
  }

  function actions(doc) {
    return [
      h('button.small', { type: 'button', 'aria-label': `Edit ${cell(doc._id)}`, onclick: () => edit(doc) }, 'Edit'),
      h('button.small', { type: 'button', 'aria-label': `Delete ${cell(doc._id)}`, onclick: () => remove(doc) }, 'Delete'),
    ];
  }

  async function create() {
    const area = editor('{\n  \n}');
    const done = await modal('New document', h('div', area, h('p.muted', 'Extended JSON: {"$oid": "…"}, {"$date": "2024-01-31T12:00:00Z"}, {"$numberLong": "…"}, {"$numberDecimal": "…"}.')), {
      ok: 'Create',
      submit: () => request('POST', base, { body: JSON.stringify(parseJson(area.value)) }),
    });
    if (done) {
      await load();
      status.append(note('ok', `Created${done.headers.get('Location') ? `: ${done.headers.get('Location')}` : ''}.`));
    }
  }

  async function edit(doc) {
    const { _id, _etag, ...rest } = doc;
    const area = editor(pretty(rest));
    const etag = etagOf(doc);
    const { path, query } = docUrl(base, doc);
    const done = await modal(`Edit ${cell(_id)}`, h('div', area, h('p.muted', `Replaces the document (PUT) if it is still at ETag ${etag ?? '(none)'}.`)), {
      ok: 'Save',
      submit: () => request('PUT', path, { query, body: JSON.stringify(parseJson(area.value)), headers: etag ? { 'If-Match': etag } : {} }).catch((e) => { throw conflictMessage(e); }),
    });
    if (done) {
      await load();
      status.append(note('ok', 'Saved.'));
    }
  }

  async function remove(doc) {
    const etag = etagOf(doc);
    const { path, query } = docUrl(base, doc);
    const done = await modal(`Delete ${cell(doc._id)}?`, h('p', 'The document is deleted if nobody changed it since it was loaded.'), {
      ok: 'Delete', danger: true,
      submit: () => request('DELETE', path, { query, headers: etag ? { 'If-Match': etag } : {} }).catch((e) => { throw conflictMessage(e); }),
    });
    if (done) {
      await load();
      status.append(note('ok', 'Deleted.'));
    }
  }

  const form = h('form.query', {
    onsubmit(e) {
      e.preventDefault();
      Object.assign(state, { filter: filter.value.trim(), sort: sort.value.trim(), keys: keys.value.trim(), pagesize: Number(pagesize.value), page: 1 });
      load();
    },
  }, labeled('Filter', filter), labeled('Sort', sort), labeled('Keys (projection)', keys), pagesize, h('button.primary', { type: 'submit' }, 'Find'));
  replace(main, form, h('div.bar', h('button.primary', { type: 'button', onclick: create }, 'New document'), viewToggle), status, results, pager);
  await load();
}
