// The server's OpenAPI description (GET /_openapi.json, generated for the caller: it lists what the
// caller's ACL allows), as a readable list of paths and operations, with a link to the JSON.
import { request } from './api.js';
import { h, note, replace } from './dom.js';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

function save(doc) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: 'openapi.json' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function openApiScreen(main) {
  let doc;
  try {
    doc = (await request('GET', '/_openapi.json')).body;
  } catch (err) {
    return replace(main, h('h1', 'API'), note('error', err.status === 404 ? 'This server serves no OpenAPI description.' : err.message));
  }
  const filter = h('input', { type: 'search', placeholder: '/things', 'aria-label': 'Filter paths' });
  const list = h('div');
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const paths = Object.entries(doc.paths ?? {}).filter(([p]) => !q || p.toLowerCase().includes(q));
    replace(list, paths.length === 0 ? note('ok', 'No paths.') : h('table',
      h('thead', h('tr', h('th', 'Path'), h('th', 'Operations'))),
      h('tbody', paths.map(([p, item]) => h('tr', h('td.code', p), h('td', METHODS.filter((m) => item[m]).map((m) => h('div',
        h('strong', m.toUpperCase()), ' ', item[m].summary ?? '',
        Object.keys(item[m].responses ?? {}).length ? h('span.muted', ` → ${Object.keys(item[m].responses).join(', ')}`) : null))))))));
  };
  filter.addEventListener('input', render);
  replace(main,
    h('h1', doc.info?.title ?? 'API'),
    h('p.muted', `OpenAPI ${doc.openapi ?? ''} · version ${doc.info?.version ?? ''} · what your account may use. `, h('button.small', { onclick: () => save(doc) }, 'Download /_openapi.json')),
    doc.info?.description ? h('p', doc.info.description) : null,
    h('div.query', filter), list);
  render();
}
