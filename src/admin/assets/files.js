// A file bucket: its files (paged), upload with progress (multipart, optional metadata), download
// (the bytes fetched with the session's token, then saved) and delete with If-Match.
import { request, upload } from './api.js';
import { cell } from './ejson.js';
import { h, labeled, modal, note, replace } from './dom.js';

function sizeText(n) {
  if (typeof n !== 'number') return String(n ?? '');
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

function idSegment(id) {
  return encodeURIComponent(typeof id === 'object' && id?.$oid ? id.$oid : String(id));
}

export async function filesView(main, base) {
  const status = h('div');
  const list = h('div');
  const file = h('input', { type: 'file', required: true });
  const meta = h('input.code', { placeholder: '{"purpose": "site"}' });
  const progress = h('progress', { max: 1, value: 0, hidden: true });

  async function load() {
    const files = (await request('GET', base, { query: { pagesize: '100', sort: '{"uploadDate":-1}' } })).body ?? [];
    if (files.length === 0) return replace(list, note('ok', 'No files yet.'));
    replace(list, h('table', h('thead', h('tr', h('th', 'Name'), h('th', 'Type'), h('th.num', 'Size'), h('th', 'Uploaded'), h('th', ''))),
      h('tbody', files.map((f) => h('tr',
        h('td', f.filename ?? cell(f._id)), h('td', f.metadata?.contentType ?? ''), h('td.num', sizeText(f.length)), h('td', cell(f.uploadDate)),
        h('td.actions',
          h('button.small', { onclick: () => download(f) }, 'Download'),
          h('button.small', { 'aria-label': `Delete ${f.filename ?? ''}`, onclick: () => remove(f) }, 'Delete')))))));
  }

  async function download(f) {
    try {
      const res = await request('GET', `${base}/${idSegment(f._id)}/binary`, { raw: true });
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: f.filename ?? 'file' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      replace(status, note('error', err.message));
    }
  }

  async function remove(f) {
    const etag = f.metadata?._etag?.$oid;
    const done = await modal(`Delete ${f.filename ?? 'this file'}?`, h('p', 'The file and its chunks are deleted.'), {
      ok: 'Delete', danger: true,
      submit: () => request('DELETE', `${base}/${idSegment(f._id)}`, { headers: etag ? { 'If-Match': etag } : {} }),
    });
    if (done) load();
  }

  const form = h('form.query', {
    async onsubmit(e) {
      e.preventDefault();
      const data = new FormData();
      if (meta.value.trim()) data.append('metadata', meta.value.trim());
      data.append('file', file.files[0]);
      progress.hidden = false;
      try {
        await upload(base, data, (p) => { progress.value = p; });
        replace(status, note('ok', `Uploaded ${file.files[0].name}.`));
        form.reset();
        await load();
      } catch (err) {
        replace(status, note('error', err.message));
      } finally {
        progress.hidden = true;
      }
    },
  }, labeled('File', file), labeled('Metadata (JSON)', meta), h('button.primary', { type: 'submit' }, 'Upload'), progress);
  replace(main, form, status, list);
  await load();
}
