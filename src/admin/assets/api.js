// Every action of the UI is an API request with the session's token (Authorization: Bearer), so the
// server authenticates it and the ACL decides, exactly as for any other client. The token comes
// from POST /token and lives in sessionStorage (this tab only); it is renewed before it expires.
const KEY = 'docrest-admin-session';

export class ApiError extends Error {
  constructor(status, message, body, etag) {
    super(message);
    this.status = status;
    this.body = body;
    this.etag = etag;
  }
}

let session = null;
let onLoggedOut = () => {};
let renewTimer;

export function currentSession() {
  if (session) return session;
  try {
    session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    session = null;
  }
  if (session && Date.parse(session.validUntil) <= Date.now()) session = null;
  if (session) scheduleRenewal();
  return session;
}

export function whenLoggedOut(fn) {
  onLoggedOut = fn;
}

function save(s) {
  session = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  scheduleRenewal();
}

function scheduleRenewal() {
  clearTimeout(renewTimer);
  if (!session) return;
  // renew at 80% of the token's remaining life
  const wait = Math.max(5_000, (Date.parse(session.validUntil) - Date.now()) * 0.8);
  renewTimer = setTimeout(() => renew().catch(() => {}), Math.min(wait, 2 ** 31 - 1));
}

function fromTokenResponse(res, body, extra) {
  const token = res.headers.get('Auth-Token') ?? body.access_token;
  const validUntil = res.headers.get('Auth-Token-Valid-Until') ?? new Date(Date.now() + (body.expires_in ?? 900) * 1000).toISOString();
  return { token, validUntil, username: body.username, roles: body.roles ?? [], ...extra };
}

/** POST /token with Basic credentials; `defaultPassword` remembers that they were admin/secret. */
export async function login(username, password) {
  const res = await fetch('/token', {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)))}`, 'No-Auth-Challenge': 'true' },
  });
  if (res.status === 401) throw new ApiError(401, 'Wrong user name or password');
  if (res.status === 429) throw new ApiError(429, 'Too many failed attempts: wait and retry');
  if (!res.ok) throw new ApiError(res.status, `Login failed (${res.status})`);
  const body = await res.json();
  save(fromTokenResponse(res, body, { defaultPassword: username === 'admin' && password === 'secret' }));
  return session;
}

async function renew() {
  if (!session) return;
  const res = await fetch('/token?renew', { method: 'POST', headers: { Authorization: `Bearer ${session.token}`, 'No-Auth-Challenge': 'true' } });
  if (!res.ok) return;
  save(fromTokenResponse(res, await res.json(), { defaultPassword: session.defaultPassword }));
}

export function passwordChanged() {
  if (session) save({ ...session, defaultPassword: false });
}

export function logout() {
  save(null);
  onLoggedOut();
}

function errorMessage(status, body, text) {
  if (body && typeof body === 'object' && typeof body.message === 'string' && body.message) {
    const detail = body['exception message'];
    return typeof detail === 'string' && detail && !body.message.includes(detail) ? `${body.message}: ${detail}` : body.message;
  }
  if (status === 401) return 'Not authenticated (401): log in again';
  if (status === 403) return 'Forbidden (403): the ACL does not allow this request';
  if (status === 404) return 'Not found (404)';
  if (status === 412) return 'Precondition failed (412): changed by someone else since you loaded it';
  return text ? `${status}: ${text.slice(0, 300)}` : `Request failed with status ${status}`;
}

/**
 * One API request. `query` values are sent as given (strings); `body` is JSON text or an object;
 * FormData goes as it is. Resolves { status, etag, body, headers }; rejects with ApiError (status,
 * RESTHeart's message) on 4xx/5xx.
 */
export async function request(method, path, { query, body, headers = {}, raw = false, signal } = {}) {
  const s = currentSession();
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  const h = { 'No-Auth-Challenge': 'true', ...headers };
  if (s) h.Authorization = `Bearer ${s.token}`;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob)) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers: h, body: payload, signal });
  if (raw && res.ok) return res;
  const text = res.status === 204 ? '' : await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  const etag = res.headers.get('ETag')?.replace(/^W\//, '').replaceAll('"', '');
  if (res.status === 401 && s) {
    logout();
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, parsed, text), parsed, etag);
  return { status: res.status, etag, body: parsed, headers: res.headers };
}

/**
 * A change stream over SSE, read with fetch (EventSource cannot send the Authorization header):
 * onOpen once connected, then onEvent with each event's data (parsed) until `signal` aborts or the
 * server closes it.
 */
export async function sse(path, query, signal, onOpen, onEvent) {
  const res = await request('GET', path, { query, raw: true, headers: { Accept: 'text/event-stream' }, signal });
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll('\r\n', '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (!data) continue;
      try {
        onEvent(JSON.parse(data));
      } catch {
        onEvent(data);
      }
    }
  }
}

/** Upload with progress (fetch has none for request bodies): XMLHttpRequest, same token. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('No-Auth-Challenge', 'true');
    const s = currentSession();
    if (s) xhr.setRequestHeader('Authorization', `Bearer ${s.token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status < 400) return resolve(xhr.status);
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      reject(new ApiError(xhr.status, errorMessage(xhr.status, body, xhr.responseText), body));
    };
    xhr.onerror = () => reject(new ApiError(0, 'Upload failed: network error'));
    xhr.send(form);
  });
}

// ---- where a database or collection is, by the mongo-mounts (API.md §1.2)

let mounts = [];
export function setMounts(m) {
  mounts = m;
}

const seg = (s) => encodeURIComponent(s);
const under = (where, rest) => (where === '/' ? '' : where) + rest;

/** The API path of a database (null when no mount exposes it whole). */
export function dbPath(db) {
  for (const m of mounts) {
    if (m.what === '*') return under(m.where, `/${seg(db)}`) || '/';
    if (m.what === `/${db}`) return m.where;
  }
  return null;
}

/** The API path of a collection (null when no mount exposes it). */
export function collPath(db, coll) {
  for (const m of mounts) {
    if (m.what === '*') return under(m.where, `/${seg(db)}/${seg(coll)}`);
    if (m.what === `/${db}`) return under(m.where, `/${seg(coll)}`);
    if (m.what === `/${db}/${coll}`) return m.where;
  }
  return null;
}

/** The path listing every database, when a `*` mount exists. */
export function rootPath() {
  const m = mounts.find((x) => x.what === '*');
  return m ? m.where : null;
}

/** Databases the mounts name (besides those a `*` mount lists). */
export function mountedDbs() {
  return [...new Set(mounts.filter((m) => m.what !== '*').map((m) => m.what.split('/')[1]).filter(Boolean))];
}
