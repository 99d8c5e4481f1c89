// A live view of a collection's change streams (the `streams` of its metadata): connect over SSE
// with avars, see each change event as it arrives (newest first), stop. The request is an ordinary
// authenticated GET of /_streams/{uri}, checked by the ACL like any other.
import { request, sse } from './api.js';
import { cell, pretty } from './ejson.js';
import { h, labeled, note, replace } from './dom.js';

const KEPT = 200;

export async function streamsView(main, base) {
  const meta = (await request('GET', `${base}/_meta`)).body ?? {};
  const streams = Array.isArray(meta.streams) ? meta.streams : [];
  if (streams.length === 0) return replace(main, note('ok', 'No change streams: add them to the metadata (streams).'));
  const which = h('select', {}, streams.map((s) => h('option', { value: s.uri }, s.uri)));
  const avars = h('input.code', { placeholder: '{"n": "x"}' });
  const state = h('p.muted', { role: 'status' }, 'Not connected.');
  const log = h('ol.events', { 'aria-label': 'Change events', 'aria-live': 'polite' });
  const button = h('button.primary', { type: 'submit' }, 'Connect');
  let running = null;
  let count = 0;

  function stop(message) {
    running?.abort();
    running = null;
    button.textContent = 'Connect';
    state.textContent = message;
  }

  function show(ev) {
    count++;
    const doc = typeof ev === 'object' && ev !== null ? ev : { data: ev };
    const summary = `${doc.operationType ?? 'event'} ${doc.documentKey ? cell(doc.documentKey._id) : ''}`;
    log.prepend(h('li', h('details', h('summary', h('time', new Date().toLocaleTimeString()), ' ', summary), h('pre.code', pretty(doc)))));
    while (log.children.length > KEPT) log.lastChild.remove();
    state.textContent = `Connected to ${which.value}: ${count} event${count === 1 ? '' : 's'}.`;
  }

  const form = h('form.query', {
    async onsubmit(e) {
      e.preventDefault();
      if (running) return stop('Stopped.');
      const ctl = new AbortController();
      running = ctl;
      count = 0;
      button.textContent = 'Stop';
      state.textContent = `Connecting to ${which.value}…`;
      try {
        const opened = () => { state.textContent = `Connected to ${which.value}: waiting for changes.`; };
        await sse(`${base}/_streams/${encodeURIComponent(which.value)}`, { avars: avars.value.trim(), jsonMode: 'extended' }, ctl.signal, opened, show);
        if (running === ctl) stop('The server closed the stream (the collection or its streams changed, or it was dropped).');
      } catch (err) {
        if (running === ctl) {
          stop('Not connected.');
          replace(log, h('li', note('error', err.message)));
        }
      }
    },
  }, labeled('Stream', which), labeled('Variables (avars)', avars), button);
  // leaving the screen ends the stream
  window.addEventListener('hashchange', () => running?.abort(), { once: true });
  replace(main, form, state, log);
}
