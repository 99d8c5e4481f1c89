// The admin UI's files at /_admin (README, Admin UI): content types, ETag/304, gzip, the
// Content-Security-Policy, the size budget, docrest.admin-ui.{enabled,uri}, and no way around
// authentication: the files are public, config.json and every API request the UI makes need
// credentials like any client's.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ASSETS_DIR, CONTENT_SECURITY_POLICY } from '../../src/admin/service.ts';
import { applyCliArgs, loadConfig } from '../../src/config/load.ts';
import { settingsFrom } from '../../src/settings.ts';
import { call, checkScenario, scenarios, startServer, type Reply, type Scenario } from '../helpers/server.ts';

const NO_AUTH = { Authorization: '' };
const ASSET_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
  ETag: /^"[\w-]{27}"$/,
};
const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const shipped = readdirSync(ASSETS_DIR);

function bodyIncludes(text: string) {
  return (r: Reply) => assert.ok(r.text.includes(text), `the body should contain ${text}: ${r.text.slice(0, 200)}`);
}

describe('assets: types, security headers, public (no credentials needed)', () => {
  const asset = (path: string, type: string, extra: Partial<Scenario> = {}): Scenario => ({
    name: `GET ${path} → ${type}`, method: 'GET', path, headers: NO_AUTH, status: 200,
    expectHeaders: { 'Content-Type': type, ...ASSET_HEADERS }, ...extra,
  });
  scenarios({}, [
    asset('/_admin', HTML, { check: bodyIncludes('<script type="module" src="/_admin/app.js"></script>') }),
    asset('/_admin/', HTML),
    asset('/_admin/index.html', HTML),
    ...shipped.filter((f) => f.endsWith('.js')).map((f) => asset(`/_admin/${f}`, JS, { check: bodyIncludes('') })),
    asset('/_admin/style.css', CSS, { check: bodyIncludes('prefers-color-scheme: dark') }),
    { name: 'HEAD: headers, no body', method: 'HEAD', path: '/_admin/app.js', headers: NO_AUTH, status: 200, expectHeaders: { 'Content-Type': JS, ETag: /^"/ }, expectBody: '' },
    { name: 'an unknown file is 404', method: 'GET', path: '/_admin/nope.js', headers: NO_AUTH, status: 404, expectBodyPartial: { message: 'no admin UI resource at /_admin/nope.js' } },
    { name: 'a write is 405', method: 'POST', path: '/_admin/app.js', body: {}, status: 405, expectHeaders: { Allow: 'GET, HEAD' } },
    { name: 'a file of the source tree outside assets is not served', method: 'GET', path: '/_admin/service.ts', headers: NO_AUTH, status: 404 },
    { name: 'only the files themselves, by name', method: 'GET', path: '/_admin/assets/app.js', headers: NO_AUTH, status: 404 },
  ]);
});

describe('caching and compression', () => {
  test('ETag → 304 with If-None-Match; a changed tag → 200; gzip above 1 KB', async () => {
    const srv = await startServer();
    try {
      for (const f of shipped) {
        const path = `/_admin/${f}`;
        const first = await call(srv, 'GET', path, { headers: NO_AUTH });
        const etag = first.headers.get('ETag')!;
        const again = await call(srv, 'GET', path, { headers: { ...NO_AUTH, 'If-None-Match': etag } });
        assert.equal(again.status, 304, path);
        assert.equal(again.text, '');
        assert.equal(again.headers.get('ETag'), etag);
        assert.equal((await call(srv, 'GET', path, { headers: { ...NO_AUTH, 'If-None-Match': `W/${etag}, "x"` } })).status, 304, `${path} weak`);
        assert.equal((await call(srv, 'GET', path, { headers: { ...NO_AUTH, 'If-None-Match': '"other"' } })).status, 200, path);
      }
      const raw = await fetch(`${srv.url}/_admin/documents.js`, { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(raw.headers.get('Content-Encoding'), 'gzip');
      assert.match(raw.headers.get('Vary') ?? '', /Accept-Encoding/);
    } finally {
      await srv.close();
    }
  });
});

describe('what is shipped', () => {
  test('first load under 300 KB gzipped (every shipped file, gzipped here and summed)', () => {
    const total = shipped.reduce((n, f) => n + gzipSync(readFileSync(join(ASSETS_DIR, f))).length, 0);
    assert.ok(total < 300 * 1024, `${total} bytes gzipped`);
  });

  test('no inline script, handler or style and nothing from another origin (the CSP would block it)', () => {
    for (const f of shipped) {
      const text = readFileSync(join(ASSETS_DIR, f), 'utf8');
      assert.doesNotMatch(text, /https?:\/\//, `${f} refers to another origin`);
      if (!f.endsWith('.html')) continue;
      for (const m of text.matchAll(/<script\b[^>]*>/g)) assert.match(m[0], /\ssrc="/, `${f}: inline script ${m[0]}`);
      assert.doesNotMatch(text, /\son\w+=|\sstyle=|<style/i, `${f}: inline handler or style`);
    }
  });

  test('every module the UI imports is shipped', () => {
    for (const f of shipped.filter((x) => x.endsWith('.js'))) {
      for (const m of readFileSync(join(ASSETS_DIR, f), 'utf8').matchAll(/from '\.\/([\w.-]+)'/g)) assert.ok(shipped.includes(m[1]!), `${f} imports ${m[1]}`);
    }
  });
});

describe('no authentication bypass', () => {
  const sameOrigin = (srv: { url: string }) => ({ ...NO_AUTH, Origin: srv.url, Referer: `${srv.url}/_admin/`, 'No-Auth-Challenge': 'true' });
  test('config.json and the API calls the UI makes need credentials (401 without), and get them checked', async () => {
    const srv = await startServer({ rho: '/mongoAclAuthorizer/cache-ttl->0' });
    try {
      await checkScenario(srv, { name: 'seed', method: 'PUT', path: '/things', status: 201 });
      for (const [method, path] of [['GET', '/_admin/config.json'], ['GET', '/'], ['GET', '/things'], ['GET', '/things/_size'], ['POST', '/things'], ['GET', '/users'], ['GET', '/metrics']] as const) {
        const r = await call(srv, method, path, { headers: sameOrigin(srv), body: method === 'POST' ? {} : undefined });
        assert.equal(r.status, 401, `${method} ${path} from the UI without credentials → ${r.status}`);
        assert.equal(r.headers.get('WWW-Authenticate'), null, `${path}: no browser login prompt with No-Auth-Challenge`);
      }
      assert.match((await call(srv, 'GET', '/_admin/config.json', { headers: NO_AUTH })).headers.get('WWW-Authenticate') ?? '', /^Basic/);
      // the UI logs in as any client does: a token from /token, then Bearer
      const login = await call(srv, 'POST', '/token', { headers: { 'No-Auth-Challenge': 'true' } });
      assert.equal(login.status, 200);
      const bearer = { Authorization: `Bearer ${login.headers.get('Auth-Token')}` };
      const cfg = await call(srv, 'GET', '/_admin/config.json', { headers: bearer });
      assert.equal(cfg.status, 200);
      assert.equal(cfg.headers.get('Cache-Control'), 'no-store');
      assert.deepEqual(cfg.json(), {
        uri: '/_admin', account: { name: 'admin', roles: ['admin'] }, mounts: [{ what: '/restheart', where: '/' }],
        users: { db: 'restheart', coll: 'users' }, acl: { db: 'restheart', coll: 'acl' }, metrics: '/metrics', defaultPagesize: 100, maxPagesize: 1000,
      });
      assert.equal((await call(srv, 'GET', '/things', { headers: bearer })).status, 200);
      // a user the ACL gives nothing: authenticated, refused by the ACL on every API request the UI would make
      await checkScenario(srv, { name: 'user', method: 'POST', path: '/users', body: { _id: 'nobody', password: 'pw', roles: ['none'] }, status: 201 });
      const nobody = { Authorization: `Basic ${Buffer.from('nobody:pw').toString('base64')}` };
      assert.equal((await call(srv, 'GET', '/_admin/config.json', { headers: nobody })).json().account.name, 'nobody');
      for (const path of ['/', '/things', '/users', '/metrics']) assert.equal((await call(srv, 'GET', path, { headers: nobody })).status, 403, path);
      assert.equal((await call(srv, 'GET', '/_admin/config.json', { headers: { Authorization: `Basic ${Buffer.from('nobody:wrong').toString('base64')}` } })).status, 401);
    } finally {
      await srv.close();
    }
  });
});

describe('configuration: docrest.admin-ui', () => {
  describe('enabled: false → not served (the path falls through to the MongoDB API)', () => {
    scenarios({ rho: '/docrest/admin-ui/enabled->false' }, [
      { name: '/_admin is a collection name again', method: 'GET', path: '/_admin', status: 404, expectBodyPartial: { message: "Collection '_admin' does not exist" } },
      { name: '/_admin/app.js too', method: 'GET', path: '/_admin/app.js', status: 404, expectHeaders: { 'Content-Security-Policy': null } },
    ]);
  });
  describe('uri: /console', () => {
    scenarios({ rho: '/docrest/admin-ui/uri->"/console"' }, [
      { name: 'served at the new uri, its page pointing at it', method: 'GET', path: '/console', headers: NO_AUTH, status: 200, expectHeaders: { 'Content-Type': HTML }, check: bodyIncludes('src="/console/app.js"') },
      { name: 'its files too', method: 'GET', path: '/console/app.js', headers: NO_AUTH, status: 200, expectHeaders: { 'Content-Type': JS } },
      { name: 'config.json names it', method: 'GET', path: '/console/config.json', status: 200, expectBodyPartial: { uri: '/console' } },
      { name: 'not at /_admin', method: 'GET', path: '/_admin', status: 404 },
    ]);
  });
  test('a uri that is not a path is a configuration error', () => {
    for (const uri of ['"admin"', '"/"', '"/admin/"']) {
      const cfg = applyCliArgs(loadConfig({ rho: `/docrest/admin-ui/uri->${uri}`, warn: () => {} }), {});
      assert.throws(() => settingsFrom(cfg), /docrest\.admin-ui\.uri must start with \/ and not end with \//, uri);
    }
  });
});
