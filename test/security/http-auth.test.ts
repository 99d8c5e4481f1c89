// Authentication mechanisms over HTTP (SECURITY.md §2, §4): Basic, token as Basic password,
// Bearer JWT, the auth cookie, No-Auth-Challenge; the cost of repeated Basic logins (§5.1).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  ADMIN, KEY, REALM, addPermissions, b64, basic, cases, createCollection, createUser, must, send, signJwt, unsignedJwt,
  type Case, type TestServer,
} from './http-support.ts';

const RHO = `/jwtConfigProvider/key->"${KEY}";/mongoAclAuthorizer/cache-ttl->0`;
const now = () => Math.floor(Date.now() / 1000);
const withoutEtag = (docs: any[]) => docs.map(({ _etag, ...d }) => d);
const THINGS = [{ _id: 't1', v: 1 }];

/** 401 from the security layer: empty body, challenge (or none when suppressed). */
const unauthorized = (challenge = true) => ({ status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': challenge ? REALM : null } });

async function baseSetup(srv: TestServer): Promise<void> {
  await createCollection(srv, 'things', THINGS);
  await createUser(srv, 'bob', 'pw', ['user']);
  await createUser(srv, 'noroles', 'pw', []);
  await createUser(srv, 'jürgen', 'grüße:äöü', ['user']);
  await createUser(srv, 'dotty', 'a.b.c', ['user']);
  await addPermissions(srv, [{ _id: 'userThings', roles: ['user'], predicate: "path-prefix('/things')" }]);
}

describe('mechanisms: Basic, anonymous, No-Auth-Challenge', () => {
  cases({ rho: RHO, setup: baseSetup }, [
    { name: 'Basic admin:secret → 200 with the data', method: 'GET', path: '/things', status: 200, check: (r) => assert.deepEqual(withoutEtag(r.json()), THINGS) },
    { name: 'Basic bob (role user, ACL allows) → 200', method: 'GET', path: '/things', auth: basic('bob', 'pw'), status: 200, check: (r) => assert.deepEqual(withoutEtag(r.json()), THINGS) },
    { name: 'Basic with UTF-8 user and password containing ":" → 200', method: 'GET', path: '/roles/j%C3%BCrgen', auth: basic('jürgen', 'grüße:äöü'), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'Basic with a password that looks like a JWT (a.b.c) → 200 (falls through to the password check)', method: 'GET', path: '/roles/dotty', auth: basic('dotty', 'a.b.c'), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'Basic wrong password → 401 + WWW-Authenticate Basic realm="RESTHeart Realm", empty body', method: 'GET', path: '/things', auth: basic('admin', 'wrong'), ...unauthorized() },
    { name: 'Basic unknown user → 401 + challenge', method: 'GET', path: '/things', auth: basic('nobody', 'secret'), ...unauthorized() },
    { name: 'Basic with an empty user id → 401', method: 'GET', path: '/things', auth: basic('', 'secret'), ...unauthorized() },
    { name: 'malformed header "Basic" with no credentials → 401', method: 'GET', path: '/things', auth: 'Basic', ...unauthorized() },
    { name: 'malformed header "Basic " + spaces → 401', method: 'GET', path: '/things', auth: 'Basic   ', ...unauthorized() },
    { name: 'Basic with bad base64 → 401', method: 'GET', path: '/things', auth: 'Basic !!!not*base64!!!', ...unauthorized() },
    { name: 'Basic whose decoded value has no colon → 401', method: 'GET', path: '/things', auth: `Basic ${b64('adminsecret')}`, ...unauthorized() },
    { name: 'Basic whose decoded value is invalid UTF-8 garbage → 401', method: 'GET', path: '/things', auth: `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0xff]).toString('base64')}`, ...unauthorized() },
    { name: 'lower-case "basic" scheme → 200', method: 'GET', path: '/things', auth: `basic ${b64('admin:secret')}`, status: 200 },
    { name: 'upper-case "BASIC" scheme → 200', method: 'GET', path: '/things', auth: `BASIC ${b64('admin:secret')}`, status: 200 },
    { name: 'wrong password + No-Auth-Challenge header → 401 without WWW-Authenticate', method: 'GET', path: '/things', auth: basic('admin', 'wrong'), headers: { 'No-Auth-Challenge': 'true' }, ...unauthorized(false) },
    { name: 'wrong password + empty No-Auth-Challenge header (any value) → 401 without WWW-Authenticate', method: 'GET', path: '/things', auth: basic('admin', 'wrong'), headers: { 'No-Auth-Challenge': '' }, ...unauthorized(false) },
    { name: 'wrong password + ?noauthchallenge → 401 without WWW-Authenticate', method: 'GET', path: '/things?noauthchallenge', auth: basic('admin', 'wrong'), ...unauthorized(false) },
    { name: 'wrong password + ?noauthchallenge=false (any value) → 401 without WWW-Authenticate', method: 'GET', path: '/things?noauthchallenge=false', auth: basic('admin', 'wrong'), ...unauthorized(false) },
    { name: 'anonymous on a secure resource → 401 + challenge, empty body', method: 'GET', path: '/things', auth: null, ...unauthorized() },
    { name: 'anonymous + No-Auth-Challenge → 401 without challenge', method: 'GET', path: '/things', auth: null, headers: { 'No-Auth-Challenge': '1' }, ...unauthorized(false) },
    { name: 'anonymous on a document of a secure collection → 401', method: 'GET', path: '/things/t1', auth: null, ...unauthorized() },
    { name: 'anonymous on the root → 401', method: 'GET', path: '/', auth: null, ...unauthorized() },
    { name: 'anonymous on /ping → 200', method: 'GET', path: '/ping', auth: null, status: 200, expectBodyPartial: { message: 'Greetings from RESTHeart!' } },
    { name: 'wrong credentials on /ping → 401 + challenge', method: 'GET', path: '/ping', auth: basic('admin', 'wrong'), ...unauthorized() },
    { name: 'unparsable Basic on /ping → 401', method: 'GET', path: '/ping', auth: 'Basic %%%', ...unauthorized() },
    { name: 'good credentials on /ping → 200', method: 'GET', path: '/ping', auth: basic('bob', 'pw'), status: 200 },
    { name: 'authenticated user with no roles → 403, empty body', method: 'GET', path: '/things', auth: basic('noroles', 'pw'), status: 403, expectBody: '', expectHeaders: { 'WWW-Authenticate': null } },
  ]);
});

describe('mechanisms: token as Basic password, Bearer JWT, cookie', () => {
  const st: Record<string, string> = {};
  cases({
    rho: RHO,
    setup: async (srv) => {
      await baseSetup(srv);
      st.bob = (await send(srv, 'POST', '/token', { auth: basic('bob', 'pw') })).json().access_token;
      assert.ok(st.bob, 'POST /token as bob must give a token');
      st.selfSigned = await signJwt({ roles: ['user'] }, { subject: 'bob' });
      st.forged = await signJwt({ roles: ['user'] }, { subject: 'bob', key: 'another-key' });
      st.forgedAdmin = await signJwt({ roles: ['admin'] }, { subject: 'admin', key: 'another-key' });
      st.expired = await signJwt({ roles: ['user'] }, { subject: 'bob', exp: now() - 120 });
      st.none = unsignedJwt({ sub: 'admin', roles: ['admin'], iss: 'restheart.org', exp: now() + 600 });
      st.wrongIssuer = await signJwt({ roles: ['user'] }, { subject: 'bob', issuer: 'evil.org' });
      st.noIssuer = await signJwt({ roles: ['user'] }, { subject: 'bob', issuer: null });
      st.noRoles = await signJwt({}, { subject: 'ghost' });
      st.stringRoles = await signJwt({ roles: 'user' }, { subject: 'bob' });
      st.noSub = await signJwt({ roles: ['user'] }, {});
      st.hs512 = await signJwt({ roles: ['user'] }, { subject: 'bob', alg: 'HS512' });
      // bob's real token with the payload swapped for one granting admin; signature kept
      const [h, , s] = st.bob.split('.');
      const p = JSON.parse(Buffer.from(st.bob.split('.')[1]!, 'base64url').toString());
      st.tampered = `${h}.${Buffer.from(JSON.stringify({ ...p, sub: 'admin', roles: ['admin'] })).toString('base64url')}.${s}`;
    },
  }, [
    { name: 'token as Basic password (bob:<jwt>) → 200', method: 'GET', path: '/things', auth: () => basic('bob', st.bob!), status: 200 },
    { name: 'token as Basic password → authenticated as the token account (/roles/bob)', method: 'GET', path: '/roles/bob', auth: () => basic('bob', st.bob!), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'token as Basic password with another user id (admin:<bob jwt>) → 401', method: 'GET', path: '/things', auth: () => basic('admin', st.bob!), ...unauthorized() },
    { name: 'forged token as Basic password → 401', method: 'GET', path: '/things', auth: () => basic('bob', st.forged!), ...unauthorized() },
    { name: 'Bearer <issued jwt> → 200', method: 'GET', path: '/things', auth: () => `Bearer ${st.bob}`, status: 200, check: (r) => assert.deepEqual(withoutEtag(r.json()), THINGS) },
    { name: 'Bearer <jwt signed with the configured key> → authenticated with its roles claim', method: 'GET', path: '/roles/bob', auth: () => `Bearer ${st.selfSigned}`, status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'Bearer forged signature → 401 + challenge', method: 'GET', path: '/things', auth: () => `Bearer ${st.forged}`, ...unauthorized() },
    { name: 'Bearer forged admin token → 401 (not admin)', method: 'GET', path: '/users', auth: () => `Bearer ${st.forgedAdmin}`, ...unauthorized() },
    { name: 'Bearer with tampered payload (sub/roles → admin) → 401', method: 'GET', path: '/users', auth: () => `Bearer ${st.tampered}`, ...unauthorized() },
    { name: 'Bearer expired token → 401', method: 'GET', path: '/things', auth: () => `Bearer ${st.expired}`, ...unauthorized() },
    { name: 'Bearer expired token on /ping → 401 (rejected credentials on any path)', method: 'GET', path: '/ping', auth: () => `Bearer ${st.expired}`, ...unauthorized() },
    { name: 'Bearer alg:none token claiming admin → 401', method: 'GET', path: '/users', auth: () => `Bearer ${st.none}`, ...unauthorized() },
    { name: 'Bearer wrong issuer → 401', method: 'GET', path: '/things', auth: () => `Bearer ${st.wrongIssuer}`, ...unauthorized() },
    { name: 'Bearer without issuer → 401', method: 'GET', path: '/things', auth: () => `Bearer ${st.noIssuer}`, ...unauthorized() },
    { name: 'Bearer HS512 token when HS256 is configured → 401', method: 'GET', path: '/things', auth: () => `Bearer ${st.hs512}`, ...unauthorized() },
    { name: 'Bearer without sub (username claim) → 401', method: 'GET', path: '/things', auth: () => `Bearer ${st.noSub}`, ...unauthorized() },
    { name: 'Bearer with non-array roles claim → 401', method: 'GET', path: '/things', auth: () => `Bearer ${st.stringRoles}`, ...unauthorized() },
    { name: 'Bearer without roles claim → authenticated with no roles (/roles/ghost → 200, roles [])', method: 'GET', path: '/roles/ghost', auth: () => `Bearer ${st.noRoles}`, status: 200, expectBody: { authenticated: true, roles: [] } },
    { name: 'Bearer without roles claim on an ACL-protected resource → 403', method: 'GET', path: '/things', auth: () => `Bearer ${st.noRoles}`, status: 403, expectBody: '' },
    { name: 'Bearer garbage → 401', method: 'GET', path: '/things', auth: 'Bearer not.a.jwt', ...unauthorized() },
    { name: 'lower-case "bearer" is not the JWT mechanism → anonymous → 401 on a secure resource', method: 'GET', path: '/things', auth: () => `bearer ${st.bob}`, ...unauthorized() },
    { name: 'lower-case "bearer" on /roles/bob → 401 (not authenticated)', method: 'GET', path: '/roles/bob', auth: () => `bearer ${st.bob}`, ...unauthorized() },
    { name: 'lower-case "bearer" with garbage on /ping → 200 (scheme not attempted, anonymous)', method: 'GET', path: '/ping', auth: 'bearer garbage', status: 200 },
    { name: 'cookie rh_auth=Bearer_<jwt> without Authorization → 200', method: 'GET', path: '/things', auth: null, headers: () => ({ Cookie: `rh_auth=Bearer_${st.bob}` }), status: 200, check: (r) => assert.deepEqual(withoutEtag(r.json()), THINGS) },
    { name: 'cookie rh_auth=Bearer_<jwt> among other cookies → authenticated as bob', method: 'GET', path: '/roles/bob', auth: null, headers: () => ({ Cookie: `a=1; rh_auth=Bearer_${st.bob}; b=2` }), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'cookie rh_auth=Basic_<base64(user:token)> → 200', method: 'GET', path: '/roles/bob', auth: null, headers: () => ({ Cookie: `rh_auth=Basic_${b64(`bob:${st.bob}`)}` }), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'cookie with a forged JWT → 401', method: 'GET', path: '/things', auth: null, headers: () => ({ Cookie: `rh_auth=Bearer_${st.forgedAdmin}` }), ...unauthorized() },
    { name: 'cookie ignored when an Authorization header is present (user without roles → 403)', method: 'GET', path: '/things', auth: basic('noroles', 'pw'), headers: () => ({ Cookie: `rh_auth=Bearer_${st.bob}` }), status: 403, expectBody: '' },
    { name: 'cookie ignored when the Authorization header is wrong → 401', method: 'GET', path: '/things', auth: basic('bob', 'wrong'), headers: () => ({ Cookie: `rh_auth=Bearer_${st.bob}` }), ...unauthorized() },
    { name: 'valid Authorization wins over a forged cookie → 200', method: 'GET', path: '/roles/bob', auth: basic('bob', 'pw'), headers: () => ({ Cookie: `rh_auth=Bearer_${st.forgedAdmin}` }), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'a cookie with another name is not used → 401', method: 'GET', path: '/things', auth: null, headers: () => ({ Cookie: `other=Bearer_${st.bob}` }), ...unauthorized() },
  ]);
});

describe('mechanisms: jwtAuthenticationMechanism disabled', () => {
  const st: Record<string, string> = {};
  cases({
    rho: `${RHO};/jwtAuthenticationMechanism/enabled->false`,
    setup: async (srv) => {
      st.admin = await signJwt({ roles: ['admin'] }, { subject: 'admin' });
    },
  }, [
    { name: 'Bearer with a validly signed admin JWT → not accepted → 401', method: 'GET', path: '/users', auth: () => `Bearer ${st.admin}`, ...unauthorized() },
    { name: 'cookie rh_auth=Bearer_<jwt> → not accepted → 401', method: 'GET', path: '/users', auth: null, headers: () => ({ Cookie: `rh_auth=Bearer_${st.admin}` }), ...unauthorized() },
    { name: 'Bearer on /ping → 200 (mechanism not attempted, anonymous)', method: 'GET', path: '/ping', auth: () => `Bearer ${st.admin}`, status: 200 },
    { name: 'Basic still works → 200', method: 'GET', path: '/users', status: 200 },
    {
      name: 'POST /token/cookie sets a Basic_ cookie when the JWT mechanism is off, and the cookie authenticates',
      method: 'POST', path: '/token/cookie', status: 200,
      check: async (r, srv) => {
        const token = r.headers.get('auth-token')!;
        const value = `Basic_${b64(`admin:${token}`)}`;
        assert.equal(r.headers.get('set-cookie'), `rh_auth=${value}; Domain=localhost; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=900`);
        const again = await send(srv, 'GET', '/roles/admin', { auth: null, headers: { Cookie: `rh_auth=${value}` } });
        assert.equal(again.status, 200, again.text);
      },
    },
  ]);
});

describe('mechanisms: configured audience', () => {
  const st: Record<string, string> = {};
  cases({
    rho: `${RHO};/jwtConfigProvider/audience->"docrest-aud"`,
    setup: async () => {
      st.right = await signJwt({ roles: ['admin'] }, { subject: 'admin', audience: 'docrest-aud' });
      st.inList = await signJwt({ roles: ['admin'] }, { subject: 'admin', audience: ['x', 'docrest-aud'] });
      st.wrong = await signJwt({ roles: ['admin'] }, { subject: 'admin', audience: 'other-aud' });
      st.missing = await signJwt({ roles: ['admin'] }, { subject: 'admin' });
    },
  }, [
    { name: 'aud = configured audience → 200', method: 'GET', path: '/users', auth: () => `Bearer ${st.right}`, status: 200 },
    { name: 'aud list containing the configured audience → 200', method: 'GET', path: '/users', auth: () => `Bearer ${st.inList}`, status: 200 },
    { name: 'wrong aud → 401', method: 'GET', path: '/users', auth: () => `Bearer ${st.wrong}`, ...unauthorized() },
    { name: 'missing aud → 401', method: 'GET', path: '/users', auth: () => `Bearer ${st.missing}`, ...unauthorized() },
    {
      name: 'POST /token issues a token carrying the audience, accepted as Bearer',
      method: 'POST', path: '/token', status: 200,
      check: async (r, srv) => {
        const t = r.json().access_token as string;
        const payload = JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString());
        assert.ok(payload.aud === 'docrest-aud' || (Array.isArray(payload.aud) && payload.aud.includes('docrest-aud')), JSON.stringify(payload));
        const again = await send(srv, 'GET', '/users', { auth: `Bearer ${t}` });
        assert.equal(again.status, 200, again.text);
      },
    },
  ]);
});

describe('cost: repeated Basic logins (correctness only)', () => {
  cases({ rho: RHO, setup: baseSetup }, [
    {
      name: '50 sequential requests with the same Basic credentials all succeed',
      method: 'GET', path: '/things', auth: basic('bob', 'pw'), status: 200,
      check: async (_r, srv) => {
        for (let i = 0; i < 50; i++) {
          const r = await send(srv, 'GET', i % 2 ? '/things' : '/things/t1', { auth: basic('bob', 'pw') });
          assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.text}`);
        }
      },
    },
    {
      name: 'interleaved wrong password is still rejected between cached good logins',
      method: 'GET', path: '/things', auth: basic('bob', 'pw'), status: 200,
      check: async (_r, srv) => {
        for (let i = 0; i < 10; i++) {
          assert.equal((await send(srv, 'GET', '/things', { auth: basic('bob', 'pw') })).status, 200);
          assert.equal((await send(srv, 'GET', '/things', { auth: basic('bob', `pw${i}`) })).status, 401);
        }
      },
    },
    {
      name: '50 sequential admin requests succeed',
      method: 'GET', path: '/users', auth: ADMIN, status: 200,
      check: async (_r, srv) => {
        for (let i = 0; i < 50; i++) assert.equal((await must(srv, 'GET', '/users')).status, 200);
      },
    },
  ] satisfies Case[]);
});
