// The admin UI (README, Admin UI): static files from src/admin/assets served at docrest.admin-ui.uri
// (`/_admin`), read once at startup and kept in memory with their ETags. The files hold no data and
// grant nothing: the UI logs in through /token and every action it takes is an ordinary API request,
// authenticated and checked by the ACL. Its one dynamic resource, config.json (the mounts and where
// the users and ACL live), is answered only to an authenticated account.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { HttpError } from '../errors.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ServiceResponse } from '../http/response.ts';
import type { Service } from '../http/service-registry.ts';
import type { Settings } from '../settings.ts';

export const ASSETS_DIR = join(import.meta.dirname, 'assets');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Scripts and styles from this origin's files only: no inline code, no eval, no other origin. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Every shipped file by its name; index.html learns the UI's own uri (its scripts' absolute paths). */
function loadAssets(uri: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(ASSETS_DIR)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    let body = readFileSync(join(ASSETS_DIR, name));
    if (name === 'index.html') body = Buffer.from(body.toString('utf8').replaceAll('%BASE%', escapeHtml(uri)));
    assets.set(name, asset(body, type));
  }
  return assets;
}

/** If-None-Match names this ETag (or is `*`); weak comparison, as for GET (RFC 9110 §13.1.2). */
function notModified(ex: Exchange, etag: string): boolean {
  const inm = ex.headers['if-none-match'];
  if (!inm) return false;
  return inm.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

export function adminUiService(settings: Settings): Service {
  const { uri, users, acl } = settings.adminUi;
  const assets = loadAssets(uri);

  function config(ex: Exchange): ServiceResponse {
    if (!ex.account) {
      const quiet = ex.headers['no-auth-challenge'] !== undefined;
      throw new HttpError(401, '', { noBody: true, headers: quiet ? {} : { 'WWW-Authenticate': 'Basic realm="RESTHeart Realm"' } });
    }
    const body = {
      uri,
      account: { name: ex.account.name, roles: ex.account.roles },
      mounts: settings.mounts,
      users,
      acl,
      metrics: settings.metrics.enabled ? settings.metrics.uri : null,
      defaultPagesize: settings.defaultPagesize,
      maxPagesize: settings.maxPagesize,
    };
    return { kind: 'bytes', status: 200, body: JSON.stringify(body), contentType: 'application/json; charset=utf-8', headers: { 'Cache-Control': 'no-store', ...SECURITY_HEADERS } };
  }

  return {
    name: 'adminUi', uri, matchPolicy: 'PREFIX',
    // the files are public; config.json checks the account itself
    secured: false,
    handle(ex) {
      if (ex.method !== 'GET' && ex.method !== 'HEAD') throw new HttpError(405, `method ${ex.method} not allowed`, { headers: { Allow: 'GET, HEAD' } });
      const rest = ex.path.slice(uri.length).replace(/^\//, '');
      if (rest === 'config.json') return config(ex);
      const a = assets.get(rest === '' ? 'index.html' : rest);
      if (!a) throw new HttpError(404, `no admin UI resource at ${ex.path}`);
      const headers = { ETag: a.etag, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS };
      if (notModified(ex, a.etag)) return { kind: 'bytes', status: 304, body: '', contentType: a.type, headers };
      return { kind: 'bytes', status: 200, body: a.body, contentType: a.type, headers };
    },
  };
}
