// /metrics basics: the registries the server lists (names start with /), and one registry's Prometheus text, parsed into
// a table of its samples (name, labels, value) with a text filter.
import { request } from './api.js';
import { h, labeled, note, replace } from './dom.js';

function samples(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([^\s{]+)(\{.*\})?\s+(\S+)/.exec(line);
    if (m) out.push({ name: m[1], labels: m[2] ?? '', value: m[3] });
  }
  return out;
}

export async function metricsScreen(main, config) {
  const listed = (await request('GET', config.metrics)).body;
  const registries = Array.isArray(listed) ? listed : Array.isArray(listed?.registries) ? listed.registries : [];
  const which = h('select', {}, registries.map((r) => h('option', { value: r }, r)));
  const search = h('input', { type: 'search', placeholder: 'http_requests' });
  const out = h('div');
  let rows = [];

  function render() {
    const q = search.value.trim().toLowerCase();
    const shown = rows.filter((s) => !q || s.name.toLowerCase().includes(q) || s.labels.toLowerCase().includes(q));
    replace(out, shown.length === 0 ? note('ok', 'No samples.') : h('table',
      h('thead', h('tr', h('th', 'Metric'), h('th', 'Labels'), h('th.num', 'Value'))),
      h('tbody', shown.slice(0, 500).map((s) => h('tr', h('td.code', s.name), h('td.code', s.labels), h('td.num', s.value))))));
  }

  async function load() {
    if (!which.value) return replace(out, note('ok', 'No registries.'));
    try {
      const res = await request('GET', `${config.metrics}${encodeURI(which.value)}`, { raw: true, headers: { Accept: 'text/plain' } });
      rows = samples(await res.text());
      render();
    } catch (err) {
      replace(out, note('error', err.message));
    }
  }

  which.addEventListener('change', load);
  search.addEventListener('input', render);
  replace(main, h('h1', 'Metrics'), h('div.query', labeled('Registry', which), labeled('Filter', search)), out);
  await load();
}
