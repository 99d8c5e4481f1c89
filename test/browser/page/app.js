// The page's own API client, as a single-page app on another origin would have it. Every call goes
// through the browser's CORS machinery (fetch or XMLHttpRequest) and resolves to a plain result that
// the test reads with page.evaluate; it is also listed in the page (the screenshot shows the run).
// A call the browser blocks never rejects here: it resolves with blocked: true, status 0 and the
// error the page saw (fetch: TypeError "Failed to fetch"; XHR: an error event with status 0).
'use strict';

(() => {
  function show(r, label) {
    const li = document.createElement('li');
    const what = r.blocked ? `BLOCKED: ${r.error}` : `${r.status}`;
    li.className = r.blocked ? 'blocked' : r.status >= 400 ? 'http-error' : 'ok';
    li.textContent = `${label ? `[${label}] ` : ''}${r.transport} ${r.method} ${r.url} → ${what}`;
    document.getElementById('log').appendChild(li);
  }

  function parseJson(text) {
    try { return text ? JSON.parse(text) : undefined; } catch { return undefined; }
  }

  // header names are lower-cased; only what JS is allowed to read appears
  function xhrHeaders(raw) {
    const out = {};
    for (const line of raw.trim().split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    return out;
  }

  /** opts: method, headers, body (string), credentials ('omit' | 'same-origin' | 'include'), label */
  async function viaFetch(url, opts = {}) {
    const method = opts.method ?? 'GET';
    const r = { transport: 'fetch', method, url, status: 0, blocked: false, headers: {}, body: '' };
    try {
      const res = await fetch(url, { method, headers: opts.headers ?? {}, body: opts.body, credentials: opts.credentials ?? 'same-origin' });
      r.status = res.status;
      r.headers = Object.fromEntries(res.headers);
      r.body = await res.text();
      r.json = parseJson(r.body);
    } catch (e) {
      r.blocked = true;
      r.error = `${e.name}: ${e.message}`;
    }
    show(r, opts.label);
    return r;
  }

  /** opts: method, headers, body (string), withCredentials (boolean), label */
  function viaXhr(url, opts = {}) {
    const method = opts.method ?? 'GET';
    return new Promise((resolve) => {
      const r = { transport: 'xhr', method, url, status: 0, blocked: false, headers: {}, body: '' };
      const x = new XMLHttpRequest();
      x.open(method, url);
      x.withCredentials = Boolean(opts.withCredentials);
      for (const [k, v] of Object.entries(opts.headers ?? {})) x.setRequestHeader(k, v);
      x.onload = () => {
        r.status = x.status;
        r.headers = xhrHeaders(x.getAllResponseHeaders());
        r.body = x.responseText;
        r.json = parseJson(r.body);
        show(r, opts.label);
        resolve(r);
      };
      x.onerror = () => {
        r.blocked = true;
        r.error = `XMLHttpRequest error event, status ${x.status}`;
        show(r, opts.label);
        resolve(r);
      };
      x.send(opts.body ?? null);
    });
  }

  window.docrestPage = { fetch: viaFetch, xhr: viaXhr };
  window.addEventListener('DOMContentLoaded', () => {
    document.getElementById('origin').textContent = `page origin: ${location.origin}`;
  });
})();
