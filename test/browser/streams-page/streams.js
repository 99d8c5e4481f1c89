// A page on another origin receiving change events as a front end would: EventSource with
// credentials (the auth cookie) and WebSocket. open() resolves once the connection is open; the
// events arrive in `received`, read by the test with page.evaluate.
'use strict';

(() => {
  const received = { sse: [], ws: [], errors: [] };

  function show(text) {
    const li = document.createElement('li');
    li.textContent = text;
    document.getElementById('log').appendChild(li);
  }

  function login(api, authorization) {
    return fetch(`${api}/token/cookie`, { method: 'POST', headers: { Authorization: authorization }, credentials: 'include' }).then((r) => r.status);
  }

  function openSse(url) {
    return new Promise((resolve) => {
      const es = new EventSource(url, { withCredentials: true });
      es.addEventListener('change', (e) => {
        received.sse.push({ id: e.lastEventId, data: JSON.parse(e.data) });
        show(`SSE ${e.data}`);
      });
      es.onopen = () => resolve('open');
      es.onerror = () => {
        received.errors.push(`sse error (readyState ${es.readyState})`);
        if (es.readyState === EventSource.CLOSED) resolve('closed');
      };
    });
  }

  function openWs(url) {
    return new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onmessage = (e) => {
        received.ws.push(JSON.parse(e.data));
        show(`WS ${e.data}`);
      };
      ws.onopen = () => resolve('open');
      ws.onerror = () => received.errors.push('ws error');
      ws.onclose = (e) => resolve(`closed ${e.code}`);
    });
  }

  window.docrestStreams = { login, openSse, openWs, received };
})();
