// Attacks over HTTP: path tricks against path-prefix rules (raw request targets, no client-side
// normalisation), query-parameter tricks against qparams rules, writing another user's password,
// OPTIONS with/without credentials, and what 401/403 responses carry (SECURITY.md §4, §7; CORS.md §4).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { REALM, addPermissions, basic, cases, corsNoPoweredBy, createCollection, createUser, send, type Case, type Reply } from './http-support.ts';

const RHO = '/mongoAclAuthorizer/cache-ttl->0';
const ALICE = basic('alice', 'apw');
const ORIGIN = 'https://spa.example';
const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));
const noPrivateData = (r: Reply) => assert.ok(!r.text.includes('private-data') && !r.text.includes('priv1'), `private data leaked: ${r.text}`);

const PERMISSIONS = [
  { _id: 'public', roles: ['user'], predicate: "path-prefix('/public')" },
  { _id: 'qp', roles: ['user'], predicate: "method(GET) and path('/qp') and qparams-contain(page) and qparams-blacklist(filter)" },
  { _id: 'qw', roles: ['user'], predicate: "method(GET) and path('/qw') and qparams-whitelist(page)" },
  { _id: 'selfEdit', roles: ['user'], predicate: "method(PATCH) and path-template('/users/{id}') and equals(@user._id, ${id})" },
];

async function setup(srv: { url: string }): Promise<void> {
  await createCollection(srv, 'public', [{ _id: 'pub1', v: 'public-data' }]);
  await createCollection(srv, 'private', [{ _id: 'priv1', v: 'private-data' }]);
  await createCollection(srv, 'qp', [{ _id: 'q1', secret: true }, { _id: 'q2', secret: false }]);
  await createCollection(srv, 'qw', [{ _id: 'w1' }]);
  await createUser(srv, 'alice', 'apw', ['user']);
  await createUser(srv, 'bob', 'bpw', ['user']);
  await addPermissions(srv, PERMISSIONS);
}

const PATH_TRICKS = [
  '/public/../private',
  '/public/../private/priv1',
  '/public/%2e%2e/private',
  '/public/%2E%2E/private',
  '/public/.%2e/private',
  '/public/%2e./private',
  '/public/./../private',
  '/public/pub1/../../private/priv1',
  '/./private',
  '/../private',
  '//private',
  '//private/priv1',
  '/private/',
  '/private//',
  '/PRIVATE',
  '/Private/priv1',
  '/public%2F..%2Fprivate',
  '/public%2f%2e%2e%2fprivate',
  '/public/..%2Fprivate',
  '/public/%2e%2e%2fprivate',
  '/public%2F%2E%2E%2Fprivate/priv1',
  '/publicx',
  '/public/..;/private',
  '/public;/../private',
  '/public/%252e%252e/private',
  '/public\\..\\private',
  '/public/..\\private',
  '/%70rivate',
  '/%70rivate/priv1',
  '/private?x=/public',
  '/private#/public',
  '/public%00/../private',
  '/public/%00/../../private',
];

describe('attacks: path tricks against path-prefix(\'/public\')', () => {
  cases({ rho: RHO, setup }, [
    { name: 'control: GET /public as user → 200 with public data', method: 'GET', path: '/public', auth: ALICE, raw: true, status: 200, check: (r) => assert.ok(r.text.includes('public-data'), r.text) },
    { name: 'control: GET /public/pub1 as user → 200', method: 'GET', path: '/public/pub1', auth: ALICE, raw: true, status: 200 },
    { name: 'control: GET /private as user → 403', method: 'GET', path: '/private', auth: ALICE, raw: true, status: 403, expectBody: '' },
    ...PATH_TRICKS.map((p): Case => ({
      name: `GET ${p} as user → 400/403/404, never private data`,
      method: 'GET', path: p, auth: ALICE, raw: true, status: [400, 403, 404], check: noPrivateData,
    })),
    ...['/public/../private/priv1', '/public/%2e%2e/private/priv1', '//private/priv1', '/%70rivate/priv1'].map((p): Case => ({
      name: `DELETE ${p} as user → 400/403/404 and the private doc survives`,
      method: 'DELETE', path: p, auth: ALICE, raw: true, status: [400, 403, 404],
      check: async (_r, srv) => assert.equal((await send(srv, 'GET', '/private/priv1')).status, 200, 'private doc must survive'),
    })),
    ...['/public/../private', '/public/%2e%2e/private', '/%70rivate'].map((p): Case => ({
      name: `POST ${p} as user → 400/403/404 and nothing written to /private`,
      method: 'POST', path: p, auth: ALICE, raw: true, body: { _id: 'injected' }, status: [400, 403, 404],
      check: async (_r, srv) => assert.equal((await send(srv, 'GET', '/private/injected')).status, 404, 'no document may be written'),
    })),
    { name: 'anonymous GET /public/../private → 400/401/404, never private data', method: 'GET', path: '/public/../private', auth: null, raw: true, status: [400, 401, 404], check: noPrivateData },
    { name: 'GET /roles/alice/../bob as alice → 400/403/404', method: 'GET', path: '/roles/alice/../bob', auth: ALICE, raw: true, status: [400, 403, 404] },
    { name: 'GET /roles/alice%2F..%2Fbob as alice → 403/404/400', method: 'GET', path: '/roles/alice%2F..%2Fbob', auth: ALICE, raw: true, status: [400, 403, 404] },
    { name: 'GET /roles/ALICE as alice → 403', method: 'GET', path: '/roles/ALICE', auth: ALICE, raw: true, status: 403 },
  ]);
});

/** The filter trick must be refused (403/400), or not have been applied (both docs returned). */
const refusedOrIgnored = (r: Reply) => {
  if (r.status === 403 || r.status === 400) return;
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((r.json() as any[]).map((d) => d._id).sort(), ['q1', 'q2'], `a blacklisted filter was applied: ${r.text}`);
};

describe('attacks: query-parameter tricks against qparams-contain / qparams-blacklist / qparams-whitelist', () => {
  const filter = q({ secret: true });
  cases({ rho: RHO, setup }, [
    { name: 'control: ?page=1 → 200', method: 'GET', path: '/qp?page=1', auth: ALICE, status: 200 },
    { name: 'control: no page → 403', method: 'GET', path: '/qp', auth: ALICE, status: 403, expectBody: '' },
    { name: 'empty-valued ?page passes the rule (present) and reaches the API → 400 illegal page, not 403', method: 'GET', path: '/qp?page', auth: ALICE, status: 400, expectBodyPartial: { message: 'illegal page parameter, it is not a number' } },
    { name: 'percent-encoded name ?pag%65=1 is "page" → 200', method: 'GET', path: '/qp?pag%65=1', auth: ALICE, status: 200 },
    { name: 'case: ?Page=1 is not "page" → 403', method: 'GET', path: '/qp?Page=1', auth: ALICE, status: 403 },
    { name: 'page only inside another value (?x=page) → 403', method: 'GET', path: '/qp?x=page', auth: ALICE, status: 403 },
    { name: 'page only in the path (/qp/page) → 403', method: 'GET', path: '/qp/page', auth: ALICE, status: 403 },
    { name: 'blacklisted filter → 403', method: 'GET', path: `/qp?page=1&filter=${filter}`, auth: ALICE, status: 403 },
    { name: 'blacklisted filter first, page second → 403', method: 'GET', path: `/qp?filter=${filter}&page=1`, auth: ALICE, status: 403 },
    { name: 'blacklisted filter with a percent-encoded name (%66ilter) → 403', method: 'GET', path: `/qp?page=1&%66ilter=${filter}`, auth: ALICE, status: 403 },
    { name: 'blacklisted filter with a fully encoded name → 403', method: 'GET', path: `/qp?page=1&%66%69%6c%74%65%72=${filter}`, auth: ALICE, status: 403 },
    { name: 'blacklisted filter repeated → 403', method: 'GET', path: `/qp?page=1&filter=${filter}&filter=${filter}`, auth: ALICE, status: 403 },
    { name: 'FILTER in upper case: refused, or not applied as a filter', method: 'GET', path: `/qp?page=1&FILTER=${filter}`, auth: ALICE, status: [200, 400, 403], check: refusedOrIgnored },
    { name: 'filter after a ";" separator: refused, or not applied', method: 'GET', path: `/qp?page=1;filter=${filter}`, auth: ALICE, status: [200, 400, 403], check: refusedOrIgnored },
    { name: 'filter smuggled with "+" in the name: refused, or not applied', method: 'GET', path: `/qp?page=1&filter+=${filter}`, auth: ALICE, status: [200, 400, 403], check: refusedOrIgnored },
    { name: 'qparams-whitelist(page): ?page=1 → 200', method: 'GET', path: '/qw?page=1', auth: ALICE, status: 200 },
    { name: 'qparams-whitelist(page): no parameter → 200', method: 'GET', path: '/qw', auth: ALICE, status: 200 },
    { name: 'qparams-whitelist(page): extra pagesize → 403', method: 'GET', path: '/qw?page=1&pagesize=1000', auth: ALICE, status: 403 },
    { name: 'qparams-whitelist(page): extra encoded parameter → 403', method: 'GET', path: `/qw?page=1&%66ilter=${filter}`, auth: ALICE, status: 403 },
  ]);
});

describe('attacks: writing another user\'s password or roles', () => {
  cases({ rho: RHO, setup }, [
    { name: 'PATCH /users/bob password as alice → 403', method: 'PATCH', path: '/users/bob', auth: ALICE, body: { password: 'pwned' }, status: 403 },
    { name: 'PATCH /users/bob $set password as alice → 403', method: 'PATCH', path: '/users/bob', auth: ALICE, body: { $set: { password: 'pwned' } }, status: 403 },
    { name: 'PUT /users/bob as alice → 403', method: 'PUT', path: '/users/bob', auth: ALICE, body: { password: 'pwned', roles: ['user'] }, status: 403 },
    { name: 'bulk PATCH /users/* filtered on bob as alice → 403', method: 'PATCH', path: `/users/*?filter=${q({ _id: 'bob' })}`, auth: ALICE, body: { $set: { password: 'pwned' } }, status: 403 },
    { name: 'PATCH /users/alice?filter={"_id":"bob"} as alice → 403/404, bob untouched', method: 'PATCH', path: `/users/alice?filter=${q({ _id: 'bob' })}`, auth: ALICE, body: { password: 'pwned' }, status: [403, 404] },
    { name: 'PATCH /users/ALICE (other id by case) as alice → 403', method: 'PATCH', path: '/users/ALICE', auth: ALICE, body: { password: 'pwned' }, status: 403 },
    { name: 'PATCH /users/alice?wm=upsert as alice (no allowWriteMode) → 403', method: 'PATCH', path: '/users/alice?wm=upsert', auth: ALICE, body: { password: 'x' }, status: 403 },
    { name: 'PATCH /users/alice/../bob (raw) as alice → 400/403/404', method: 'PATCH', path: '/users/alice/../bob', auth: ALICE, raw: true, body: { password: 'pwned' }, status: [400, 403, 404] },
    { name: 'PATCH /users/alice%2F..%2Fbob as alice → 400/403/404', method: 'PATCH', path: '/users/alice%2F..%2Fbob', auth: ALICE, raw: true, body: { password: 'pwned' }, status: [400, 403, 404] },
    { name: 'bob still logs in with his password', method: 'GET', path: '/roles/bob', auth: basic('bob', 'bpw'), status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'bob\'s password was not changed to the attacker\'s', method: 'GET', path: '/roles/bob', auth: basic('bob', 'pwned'), status: 401 },
    { name: 'alice granting herself admin → 403', method: 'PATCH', path: '/users/alice', auth: ALICE, body: { roles: ['user', 'admin'] }, status: 403 },
    { name: 'alice granting herself admin with $push → 403', method: 'PATCH', path: '/users/alice', auth: ALICE, body: { $push: { roles: 'admin' } }, status: 403 },
    { name: 'alice still has only role user', method: 'GET', path: '/roles/alice', auth: ALICE, status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'alice writing an ACL permission → 403', method: 'POST', path: '/acl', auth: ALICE, body: { _id: 'mine', roles: ['user'], predicate: "path-prefix('/')" }, status: 403 },
    { name: 'alice changing her own password (allowed by selfEdit) → 200', method: 'PATCH', path: '/users/alice', auth: ALICE, body: { password: 'apw2' }, status: 200 },
    { name: 'alice logs in with the new password', method: 'GET', path: '/roles/alice', auth: basic('alice', 'apw2'), status: 200 },
    { name: 'alice\'s old password fails', method: 'GET', path: '/roles/alice', auth: ALICE, status: 401 },
  ]);
});

describe('attacks: OPTIONS, and what 401/403 responses carry', () => {
  cases({ rho: RHO, setup }, [
    { name: 'OPTIONS with wrong credentials → 401', method: 'OPTIONS', path: '/private', auth: basic('alice', 'wrong'), status: 401, expectBody: '' },
    { name: 'OPTIONS with a forged Bearer → 401', method: 'OPTIONS', path: '/private', auth: 'Bearer a.b.c', status: 401 },
    { name: 'OPTIONS without credentials → 200, empty body, no challenge', method: 'OPTIONS', path: '/private', auth: null, status: 200, expectBody: '', expectHeaders: { 'WWW-Authenticate': null } },
    { name: 'OPTIONS as a user without permission → 200 (ACL allows OPTIONS)', method: 'OPTIONS', path: '/private', auth: ALICE, status: 200, expectBody: '' },
    { name: 'OPTIONS does not leak data', method: 'OPTIONS', path: '/private/priv1', auth: null, status: 200, expectBody: '' },
    { name: '403 (no permission) carries CORS headers, no X-Powered-By', method: 'GET', path: '/private', auth: ALICE, headers: { Origin: ORIGIN }, status: 403, expectBody: '', expectHeaders: { ...corsNoPoweredBy(ORIGIN), Vary: /Origin/ } },
    { name: '401 (anonymous) carries CORS headers, no X-Powered-By', method: 'GET', path: '/private', auth: null, headers: { Origin: ORIGIN }, status: 401, expectBody: '', expectHeaders: { ...corsNoPoweredBy(ORIGIN), 'WWW-Authenticate': REALM } },
    { name: '401 (wrong password) carries CORS headers, no X-Powered-By', method: 'GET', path: '/private', auth: basic('alice', 'x'), headers: { Origin: ORIGIN }, status: 401, expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '401 on /ping carries CORS headers, no X-Powered-By', method: 'GET', path: '/ping', auth: basic('alice', 'x'), headers: { Origin: ORIGIN }, status: 401, expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '401 on /token carries CORS headers, no X-Powered-By', method: 'POST', path: '/token', auth: null, headers: { Origin: ORIGIN }, status: 401, expectBody: '', expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '403 on /roles/<other> carries CORS headers, no X-Powered-By', method: 'GET', path: '/roles/bob', auth: ALICE, headers: { Origin: ORIGIN }, status: 403, expectBody: '', expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '403 ($where) carries CORS headers, no X-Powered-By', method: 'GET', path: `/public?filter=${q({ $where: 'true' })}`, auth: ALICE, headers: { Origin: ORIGIN }, status: 403, expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '403 (password filter) carries CORS headers, no X-Powered-By', method: 'GET', path: `/users?filter=${q({ password: 'x' })}`, headers: { Origin: ORIGIN }, status: 403, expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '403 (rootRoleGuard) carries CORS headers, no X-Powered-By', method: 'POST', path: '/users', headers: { Origin: ORIGIN }, body: { _id: 'x', password: 'p', roles: ['admin'] }, status: 403, expectHeaders: corsNoPoweredBy(ORIGIN) },
    { name: '401 without Origin → Allow-Origin *', method: 'GET', path: '/private', auth: null, status: 401, expectHeaders: corsNoPoweredBy() },
  ]);
});
