// Token endpoints over HTTP (SECURITY.md §3): /token, /token/cookie, /token/redirect, /logout,
// form login, token headers, ttl, and tokens shared by servers with the same key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN, EXPOSES_TOKEN_HEADERS, ISO_INSTANT, JWT_SHAPE, KEY, TOKEN_REALM, basic, cases, createUser, errorBody, jwtPayload, send, startServer,
  type Reply, type TestServer,
} from './http-support.ts';

const RHO = `/jwtConfigProvider/key->"${KEY}"`;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const COOKIE_ATTRS = 'Domain=localhost; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=900';

/** The token headers of §3.2 and that they agree with the body. */
function checkTokenReply(r: Reply, user: string, roles: string[], ttlSeconds = 900): string {
  const b = r.json();
  assert.deepEqual(Object.keys(b).sort(), ['access_token', 'expires_in', 'roles', 'token_type', 'username']);
  assert.match(b.access_token, JWT_SHAPE);
  assert.equal(b.token_type, 'Bearer');
  assert.equal(b.username, user);
  assert.deepEqual(b.roles, roles);
  assert.ok(Number.isInteger(b.expires_in) && b.expires_in <= ttlSeconds && b.expires_in >= ttlSeconds - 5, `expires_in ${b.expires_in}`);
  assert.equal(r.headers.get('auth-token'), b.access_token);
  assert.equal(r.headers.get('auth-token-location'), '/token');
  const until = r.headers.get('auth-token-valid-until') ?? '';
  assert.match(until, ISO_INSTANT);
  const ms = Date.parse(until) - Date.now();
  assert.ok(ms <= ttlSeconds * 1000 && ms > (ttlSeconds - 10) * 1000, `Auth-Token-Valid-Until ${until} is ${ms} ms away`);
  const p = jwtPayload(b.access_token);
  assert.equal(p.iss, 'restheart.org');
  assert.equal(p.sub, user);
  assert.deepEqual(p.roles, roles);
  assert.equal(typeof p.jti, 'string');
  assert.equal(p.exp, Math.floor(Date.parse(until) / 1000), 'exp claim matches Auth-Token-Valid-Until');
  assert.match(r.headers.get('access-control-expose-headers') ?? '', EXPOSES_TOKEN_HEADERS);
  return b.access_token;
}

describe('token endpoints: /token', () => {
  const st: Record<string, string> = {};
  cases({ rho: RHO, setup: async (srv) => createUser(srv, 'bob', 'pw', ['user', 'reader']) }, [
    {
      name: 'POST /token → 200, body + Auth-Token headers + Cache-Control: no-store + Pragma: no-cache',
      method: 'POST', path: '/token', status: 200,
      expectHeaders: { 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Content-Type': /^application\/json/ },
      check: (r) => { st.t1 = checkTokenReply(r, 'admin', ['admin']); assert.equal(jwtPayload(st.t1).authDb, 'restheart'); },
    },
    {
      name: 'GET /token → 200, the same cached token, no Cache-Control',
      method: 'GET', path: '/token', status: 200, expectHeaders: { 'Cache-Control': null },
      check: (r) => assert.equal(checkTokenReply(r, 'admin', ['admin']), st.t1),
    },
    {
      name: 'POST /token again → the same cached token',
      method: 'POST', path: '/token', status: 200,
      check: (r) => assert.equal(checkTokenReply(r, 'admin', ['admin']), st.t1),
    },
    {
      name: 'GET /token?renew → a brand-new token',
      method: 'GET', path: '/token?renew', status: 200,
      check: (r) => { st.t2 = checkTokenReply(r, 'admin', ['admin']); assert.notEqual(st.t2, st.t1); },
    },
    {
      name: 'GET /token after renew → the renewed token',
      method: 'GET', path: '/token', status: 200,
      check: (r) => assert.equal(checkTokenReply(r, 'admin', ['admin']), st.t2),
    },
    {
      name: 'POST /token?renew=false (any value) → a brand-new token',
      method: 'POST', path: '/token?renew=false', status: 200,
      check: (r) => { st.t3 = checkTokenReply(r, 'admin', ['admin']); assert.notEqual(st.t3, st.t2); },
    },
    {
      name: 'GET /token authenticated by Bearer → the same token back',
      method: 'GET', path: '/token', auth: () => `Bearer ${st.t3}`, status: 200,
      check: (r) => assert.equal(checkTokenReply(r, 'admin', ['admin']), st.t3),
    },
    {
      name: 'POST /token as a non-admin user → its own token (roles in document order)',
      method: 'POST', path: '/token', auth: basic('bob', 'pw'), status: 200,
      check: (r) => { st.bob = checkTokenReply(r, 'bob', ['user', 'reader']); },
    },
    {
      name: 'the issued token works as Bearer on a secure resource',
      method: 'GET', path: '/roles/bob', auth: () => `Bearer ${st.bob}`, status: 200, expectBody: { authenticated: true, roles: ['user', 'reader'] },
    },
    { name: 'DELETE /token → 204, empty body', method: 'DELETE', path: '/token', status: 204, expectBody: '' },
    {
      name: 'GET /token after DELETE → a new token (cache entry dropped)',
      method: 'GET', path: '/token', status: 200,
      check: (r) => { const t = checkTokenReply(r, 'admin', ['admin']); assert.notEqual(t, st.t3); },
    },
    { name: 'POST /token without credentials → 401, realm "RESTHeart", empty body, no X-Powered-By', method: 'POST', path: '/token', auth: null, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': TOKEN_REALM, 'Auth-Token': null, 'X-Powered-By': null } },
    { name: 'GET /token without credentials → 401, realm "RESTHeart"', method: 'GET', path: '/token', auth: null, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': TOKEN_REALM } },
    { name: 'DELETE /token without credentials → 401', method: 'DELETE', path: '/token', auth: null, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': TOKEN_REALM } },
    { name: 'GET /token without credentials + No-Auth-Challenge → 401 without WWW-Authenticate', method: 'GET', path: '/token', auth: null, headers: { 'No-Auth-Challenge': 'x' }, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': null } },
    { name: 'GET /token?noauthchallenge without credentials → 401 without WWW-Authenticate', method: 'GET', path: '/token?noauthchallenge', auth: null, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': null } },
    { name: 'POST /token with a wrong password → 401, no token', method: 'POST', path: '/token', auth: basic('admin', 'wrong'), status: 401, expectBody: '', expectHeaders: { 'Auth-Token': null, 'WWW-Authenticate': /^Basic realm="RESTHeart( Realm)?"$/ } },
    { name: 'PUT /token → 405', method: 'PUT', path: '/token', status: 405, expectBody: errorBody(405, 'Method Not Allowed', 'method PUT not allowed') },
    { name: 'PATCH /token → 405', method: 'PATCH', path: '/token', status: 405 },
    { name: 'no token headers on a non-token path', method: 'GET', path: '/users', status: 200, expectHeaders: { 'Auth-Token': null, 'Auth-Token-Valid-Until': null, 'Auth-Token-Location': null } },
    { name: 'legacy ?renew-auth-token on a non-token path gives no token (off by default)', method: 'GET', path: '/users?renew-auth-token', status: 200, expectHeaders: { 'Auth-Token': null } },
  ]);
});

describe('token endpoints: form login', () => {
  cases({ rho: RHO }, [
    {
      name: 'grant_type=password good → 200 token for admin',
      method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=password&username=admin&password=secret', status: 200,
      check: (r) => { checkTokenReply(r, 'admin', ['admin']); },
    },
    {
      name: 'grant_type=client_credentials good → 200 token for admin',
      method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=client_credentials&client_id=admin&client_secret=secret', status: 200,
      check: (r) => { checkTokenReply(r, 'admin', ['admin']); },
    },
    {
      name: 'form Content-Type with charset → 200',
      method: 'POST', path: '/token', auth: null, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: 'grant_type=password&username=admin&password=secret', status: 200,
    },
    { name: 'grant_type=password missing password → 400 empty body', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=password&username=admin', status: 400, expectBody: '' },
    { name: 'grant_type=password missing username → 400 empty body', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=password&password=secret', status: 400, expectBody: '' },
    { name: 'grant_type=client_credentials missing client_secret → 400', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=client_credentials&client_id=admin', status: 400, expectBody: '' },
    { name: 'grant_type=client_credentials missing client_id → 400', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=client_credentials&client_secret=secret', status: 400, expectBody: '' },
    { name: 'missing grant_type → 400', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'username=admin&password=secret', status: 400, expectBody: '' },
    { name: 'unknown grant_type → 400', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=implicit&username=admin&password=secret', status: 400, expectBody: '' },
    { name: 'grant_type=password bad password → 401, no token', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=password&username=admin&password=nope', status: 401, expectBody: '', expectHeaders: { 'Auth-Token': null, 'X-Powered-By': null } },
    { name: 'grant_type=client_credentials bad secret → 401', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=client_credentials&client_id=admin&client_secret=nope', status: 401, expectBody: '', expectHeaders: { 'Auth-Token': null } },
    { name: 'grant_type=password unknown user → 401', method: 'POST', path: '/token', auth: null, headers: FORM, body: 'grant_type=password&username=ghost&password=secret', status: 401, expectBody: '' },
    {
      name: 'form login on POST /token/cookie → 200 + Set-Cookie',
      method: 'POST', path: '/token/cookie', auth: null, headers: FORM, body: 'grant_type=password&username=admin&password=secret', status: 200,
      expectBody: { authenticated: true, username: 'admin', roles: ['admin'] },
      check: (r) => assert.match(r.headers.get('set-cookie') ?? '', /^rh_auth=Bearer_[A-Za-z0-9_.-]+; Domain=localhost; Path=\/; HttpOnly; SameSite=Strict; Secure; Max-Age=900$/),
    },
    { name: 'form login on GET /token is not a login → 401', method: 'GET', path: '/token?grant_type=password&username=admin&password=secret', auth: null, status: 401, expectBody: '' },
    { name: 'a form body is not a login on a secure resource → 401', method: 'POST', path: '/users', auth: null, headers: FORM, body: 'grant_type=password&username=admin&password=secret', status: 401, expectBody: '' },
  ]);
});

describe('token endpoints: /token/cookie, /token/redirect, /logout', () => {
  const st: Record<string, string> = {};
  cases({ rho: RHO }, [
    {
      name: 'POST /token/cookie → 200, exact Set-Cookie, body without the token, Auth-Token headers, no-store',
      method: 'POST', path: '/token/cookie', status: 200,
      expectBody: { authenticated: true, username: 'admin', roles: ['admin'] },
      expectHeaders: { 'Cache-Control': 'no-store', 'Auth-Token': JWT_SHAPE, 'Auth-Token-Location': '/token', 'Auth-Token-Valid-Until': ISO_INSTANT },
      check: (r) => {
        st.token = r.headers.get('auth-token')!;
        assert.equal(r.headers.get('set-cookie'), `rh_auth=Bearer_${st.token}; ${COOKIE_ATTRS}`);
        assert.match(r.headers.get('access-control-expose-headers') ?? '', EXPOSES_TOKEN_HEADERS);
      },
    },
    { name: 'the cookie set by /token/cookie authenticates a request without Authorization', method: 'GET', path: '/users', auth: null, headers: () => ({ Cookie: `rh_auth=Bearer_${st.token}` }), status: 200 },
    { name: 'GET /token/cookie → 405', method: 'GET', path: '/token/cookie', status: 405 },
    { name: 'DELETE /token/cookie → 405', method: 'DELETE', path: '/token/cookie', status: 405 },
    { name: 'POST /token/cookie without credentials → 401 realm "RESTHeart", no Set-Cookie', method: 'POST', path: '/token/cookie', auth: null, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': TOKEN_REALM, 'Set-Cookie': null } },
    { name: 'POST /token/cookie with wrong password → 401, no Set-Cookie', method: 'POST', path: '/token/cookie', auth: basic('admin', 'x'), status: 401, expectBody: '', expectHeaders: { 'Set-Cookie': null } },
    {
      name: 'GET /token/redirect without redirect-url → 400 JSON error',
      method: 'GET', path: '/token/redirect', status: 400,
      expectBody: { error: 'invalid_request', error_description: 'no redirect-url configured for /token/redirect' },
      expectHeaders: { Location: null, 'Content-Type': /^application\/json/ },
    },
    { name: 'GET /token/redirect without credentials → 401', method: 'GET', path: '/token/redirect', auth: null, status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': TOKEN_REALM } },
    { name: 'POST /token/redirect → 405', method: 'POST', path: '/token/redirect', status: 405 },
    { name: 'DELETE /token/redirect → 405', method: 'DELETE', path: '/token/redirect', status: 405 },
    {
      name: 'POST /logout → 200, clears the cookie (empty value, same name/domain/path, expired)',
      method: 'POST', path: '/logout', auth: null, status: 200,
      check: (r) => {
        const c = r.headers.get('set-cookie') ?? '';
        assert.match(c, /^rh_auth=;/, c);
        assert.match(c, /(^|; )Domain=localhost(;|$)/, c);
        assert.match(c, /(^|; )Path=\/(;|$)/, c);
        assert.ok(/(^|; )Max-Age=0(;|$)/.test(c) || /(^|; )Expires=Thu, 01 Jan 1970/.test(c), c);
      },
    },
    { name: 'POST /logout with the auth cookie → 200 + clearing Set-Cookie', method: 'POST', path: '/logout', auth: null, headers: () => ({ Cookie: `rh_auth=Bearer_${st.token}` }), status: 200, expectHeaders: { 'Set-Cookie': /^rh_auth=;/ } },
    { name: 'POST /logout with wrong credentials → 401', method: 'POST', path: '/logout', auth: basic('admin', 'x'), status: 401 },
  ]);
});

describe('token endpoints: configured redirect-url, ttl, cookie ttl', () => {
  const st: Record<string, string> = {};
  cases({ rho: `${RHO};/authTokenService/redirect-url->"https://app/x";/jwtTokenManager/ttl->2;/authCookieSetter/ttl->3` }, [
    {
      name: 'GET /token/redirect → 307, Location fragment with the token, same JSON body as GET /token',
      method: 'GET', path: '/token/redirect', status: 307,
      check: (r) => {
        const token = checkTokenReply(r, 'admin', ['admin'], 120);
        const exp = r.json().expires_in;
        assert.equal(r.headers.get('location'), `https://app/x#access_token=${encodeURIComponent(token)}&token_type=Bearer&expires_in=${exp}`);
        st.token = token;
      },
    },
    {
      name: 'jwtTokenManager.ttl (2 min) honoured: expires_in ≤ 120, Valid-Until ≈ now + 2 min',
      method: 'POST', path: '/token', status: 200,
      check: (r) => assert.equal(checkTokenReply(r, 'admin', ['admin'], 120), st.token),
    },
    {
      name: 'authCookieSetter.ttl (3 min) → Max-Age=180',
      method: 'POST', path: '/token/cookie', status: 200,
      check: (r) => assert.equal(r.headers.get('set-cookie'), `rh_auth=Bearer_${r.headers.get('auth-token')}; Domain=localhost; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=180`),
    },
  ]);
});

describe('token endpoints: cookie attributes from authCookieSetter', () => {
  cases({ rho: `${RHO};/authCookieSetter/name->"sess";/authCookieSetter/domain->"example.com";/authCookieSetter/path->"/api";/authCookieSetter/same-site-mode->"lax";/authCookieSetter/secure->false` }, [
    {
      name: 'POST /token/cookie honours name, domain, path, same-site-mode, secure:false',
      method: 'POST', path: '/token/cookie', status: 200,
      check: (r) => assert.equal(r.headers.get('set-cookie'), `sess=Bearer_${r.headers.get('auth-token')}; Domain=example.com; Path=/api; HttpOnly; SameSite=Lax; Max-Age=900`),
    },
    {
      name: 'a cookie with the configured name authenticates',
      method: 'POST', path: '/token/cookie', status: 200,
      check: async (r, srv) => {
        const again = await send(srv, 'GET', '/roles/admin', { auth: null, headers: { Cookie: `sess=Bearer_${r.headers.get('auth-token')}` } });
        assert.equal(again.status, 200, again.text);
      },
    },
    {
      name: 'POST /logout clears the configured cookie name/domain/path',
      method: 'POST', path: '/logout', auth: null, status: 200,
      check: (r) => {
        const c = r.headers.get('set-cookie') ?? '';
        assert.match(c, /^sess=;/, c);
        assert.match(c, /(^|; )Domain=example\.com(;|$)/, c);
        assert.match(c, /(^|; )Path=\/api(;|$)/, c);
      },
    },
  ]);
});

describe('token endpoints: account changes and the cached token', () => {
  const st: Record<string, string> = {};
  cases({ rho: `${RHO};/jwtTokenManager/account-properties-claims->["email"]`, setup: async (srv) => createUser(srv, 'carl', 'cpw', ['user'], { email: 'carl@x', hidden: 'h' }) }, [
    {
      name: 'account-properties-claims: the listed property is a claim, others are not',
      method: 'POST', path: '/token', auth: basic('carl', 'cpw'), status: 200,
      check: (r) => {
        st.first = checkTokenReply(r, 'carl', ['user']);
        const p = jwtPayload(st.first);
        assert.equal(p.email, 'carl@x');
        assert.equal(p.hidden, undefined);
        assert.equal(p.password, undefined);
      },
    },
    { name: 'admin changes carl\'s roles', method: 'PATCH', path: '/users/carl', body: { roles: ['user', 'editor'] }, status: 200 },
    {
      name: 'after a role change, a password login at /token gives a token whose roles claim matches the new roles',
      method: 'POST', path: '/token', auth: basic('carl', 'cpw'), status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(b.roles, ['user', 'editor']);
        assert.deepEqual(jwtPayload(b.access_token).roles, b.roles, 'token roles claim must agree with the body (cached token account refreshed)');
      },
    },
  ]);
});

describe('token endpoints: tokens shared across servers with the same key', () => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  before(async () => {
    a = await startServer({ rho: RHO });
    b = await startServer({ rho: RHO });
    c = await startServer({ rho: '/jwtConfigProvider/key->"a-different-key"' });
  });
  after(async () => { await a?.close(); await b?.close(); await c?.close(); });

  test('a token issued by server A is accepted by server B (same key) as Bearer and as Basic password', async () => {
    const t = (await send(a, 'POST', '/token')).json().access_token as string;
    assert.match(t, JWT_SHAPE);
    const bearer = await send(b, 'GET', '/users', { auth: `Bearer ${t}` });
    assert.equal(bearer.status, 200, bearer.text);
    const asPassword = await send(b, 'GET', '/roles/admin', { auth: basic('admin', t) });
    assert.equal(asPassword.status, 200, asPassword.text);
    assert.deepEqual(asPassword.json(), { authenticated: true, roles: ['admin'] });
  });

  test('a token issued by server A is rejected by server C (different key) → 401', async () => {
    const t = (await send(a, 'POST', '/token')).json().access_token as string;
    const r = await send(c, 'GET', '/users', { auth: `Bearer ${t}` });
    assert.equal(r.status, 401, r.text);
  });

  test('without a configured key, a token of one server is rejected by another', async () => {
    const x = await startServer({});
    const y = await startServer({});
    try {
      const t = (await send(x, 'POST', '/token', { auth: ADMIN })).json().access_token as string;
      assert.equal((await send(x, 'GET', '/users', { auth: `Bearer ${t}` })).status, 200);
      assert.equal((await send(y, 'GET', '/users', { auth: `Bearer ${t}` })).status, 401);
    } finally {
      await x.close();
      await y.close();
    }
  });
});
