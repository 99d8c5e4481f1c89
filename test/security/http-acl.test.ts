// ACL authorization over HTTP (SECURITY.md §6, §7, §8, §9): mongoAclAuthorizer permissions posted
// to /acl, predicates, priority, mongo flags, data shaping, /roles, $where, fileAclAuthorizer.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  KEY, REALM, addPermissions, basic, cases, createCollection, createUser, must, send, signJwt,
  type Case, type Reply, type TestServer,
} from './http-support.ts';

const RHO = `/mongoAclAuthorizer/cache-ttl->0;/jwtConfigProvider/key->"${KEY}"`;
const ALICE = basic('alice', 'apw');
const BOB = basic('bob', 'bpw');
const CAROL = basic('carol', 'cpw');
const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));
const strip = (d: any) => { const { _etag, ...rest } = d; return rest; };
const ids = (r: Reply) => (r.json() as any[]).map((d) => d._id).sort();
const idsAre = (expected: string[]) => (r: Reply) => assert.deepEqual(ids(r), expected, r.text);
const FORBIDDEN = { status: 403, expectBody: '', expectHeaders: { 'WWW-Authenticate': null } } as const;
const UNAUTHORIZED = { status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': REALM } } as const;

const COLLECTIONS: Record<string, Array<Record<string, unknown>>> = {
  open: [{ _id: 'o1', v: 'open' }],
  docs: [{ _id: 'd1' }],
  pathcoll: [{ _id: 'p1' }],
  home: [{ _id: 'alice', x: 1 }, { _id: 'bob', x: 2 }],
  qp: [{ _id: 'q1' }],
  qs: [{ _id: 's1' }],
  t: [{ _id: 't1' }, { _id: 't3' }],
  rx: [{ _id: 'alice' }, { _id: 'bob' }],
  logic: [],
  prio: [{ _id: 'h', level: 'high' }, { _id: 'l', level: 'low' }],
  tie: [{ _id: 'a', tag: 'a' }, { _id: 'b', tag: 'b' }],
  nopri: [{ _id: 'x', k: 'x' }, { _id: 'y', k: 'y' }],
  mg0: [{ _id: 'e1', a: 1 }],
  mg2: [{ _id: 'e1', a: 1 }, { _id: 'e2', a: 1 }, { _id: 'e3', a: 9 }],
  rf: [{ _id: 'a1', owner: 'alice', n: 1 }, { _id: 'b1', owner: 'bob', n: 2 }, { _id: 'a2', owner: 'alice', n: 3 }],
  rf2: [{ _id: 'pub', status: 'public', owner: 'bob' }, { _id: 'mine', status: 'draft', owner: 'alice' }, { _id: 'other', status: 'draft', owner: 'bob' }],
  wf: [{ _id: 'a1', owner: 'alice', v: 0 }, { _id: 'b1', owner: 'bob', v: 0 }, { _id: 'a2', owner: 'alice', v: 0 }, { _id: 'b2', owner: 'bob', v: 0 }],
  posts: [],
  pr: [{ _id: 'p1', name: 'n', secret: 's', nested: { a: 1, b: 2 } }],
  pk: [{ _id: 'p1', name: 'n', other: 'o', more: 1 }],
  jw: [{ _id: 'j1' }],
  late: [{ _id: 'l1' }],
};

const PERMISSIONS: Array<Record<string, unknown>> = [
  { _id: 'anonOpen', roles: ['$unauthenticated'], predicate: "method(GET) and path-prefix('/open')" },
  { _id: 'pathPerm', roles: ['user'], predicate: "path('/pathcoll') and method(GET)" },
  { _id: 'homePerm', roles: ['user'], predicate: "method(GET) and path-template('/home/{userid}') and equals(@user._id, ${userid})" },
  { _id: 'qpPerm', roles: ['user'], predicate: "path('/qp') and method(GET) and qparams-contain(page)" },
  { _id: 'qsPerm', roles: ['user'], predicate: "path('/qs') and method(GET) and qparams-size(1)" },
  { _id: 'inPerm', roles: ['user'], predicate: 'method(GET) and path-template(\'/t/{id}\') and in(value=${id}, array=@user.tenants)' },
  { _id: 'rxPerm', roles: ['user'], predicate: "method(GET) and regex(pattern='/rx/(.*)', value='%R', full-match=true) and equals(%u, '${1}')" },
  { _id: 'logicPerm', roles: ['user'], predicate: "(method(GET) or method(POST)) and path('/logic') and not qparams-contain(forbidden)" },
  // priority: higher first, even though _id descending would pick z-low
  { _id: 'z-low', roles: ['user'], priority: 1, predicate: "path('/prio') and method(GET)", mongo: { readFilter: { level: 'low' } } },
  { _id: 'a-high', roles: ['user'], priority: 100, predicate: "path('/prio') and method(GET)", mongo: { readFilter: { level: 'high' } } },
  // ties broken by _id descending
  { _id: 'tie-a', roles: ['user'], priority: 5, predicate: "path('/tie') and method(GET)", mongo: { readFilter: { tag: 'a' } } },
  { _id: 'tie-b', roles: ['user'], priority: 5, predicate: "path('/tie') and method(GET)", mongo: { readFilter: { tag: 'b' } } },
  // missing priority sorts last
  { _id: 'np-z', roles: ['user'], predicate: "path('/nopri') and method(GET)", mongo: { readFilter: { k: 'x' } } },
  { _id: 'np-a', roles: ['user'], priority: 0, predicate: "path('/nopri') and method(GET)", mongo: { readFilter: { k: 'y' } } },
  { _id: 'mg0', roles: ['user'], predicate: "path-prefix('/mg0')", mongo: {} },
  { _id: 'mg1', roles: ['user'], predicate: "path-prefix('/mg1')", mongo: { allowManagementRequests: true } },
  { _id: 'mg2', roles: ['user'], predicate: "path-prefix('/mg2')", mongo: { allowBulkPatch: true, allowBulkDelete: true, allowWriteMode: true } },
  { _id: 'rf', roles: ['user'], predicate: "method(GET) and path-prefix('/rf')", mongo: { readFilter: { owner: '@user._id' } } },
  { _id: 'rf2', roles: ['user'], predicate: "method(GET) and path-prefix('/rf2')", mongo: { readFilter: { _$or: [{ status: 'public' }, { owner: '@user._id' }] } } },
  { _id: 'wf', roles: ['user'], predicate: "(method(PATCH) or method(DELETE)) and path-prefix('/wf')", mongo: { writeFilter: { owner: '@user._id' } } },
  { _id: 'postsCreate', roles: ['user'], priority: 100, predicate: "method(POST) and path('/posts')", mongo: { mergeRequest: { author: '@user._id', createdAt: '@now', status: 'draft' } } },
  { _id: 'postsEdit', roles: ['user'], priority: 100, predicate: "method(PATCH) and path-template('/posts/{id}')", mongo: { writeFilter: { author: '@user._id' }, mergeRequest: { editor: '@user._id' } } },
  { _id: 'pr', roles: ['user'], predicate: "method(GET) and path-prefix('/pr')", mongo: { projectResponse: { secret: 0, 'nested.b': 0 } } },
  { _id: 'pk', roles: ['user'], predicate: "method(GET) and path-prefix('/pk')", mongo: { projectResponse: { name: 1 } } },
  { _id: 'jw', roles: ['user'], predicate: "method(GET) and path('/jw') and equals(@user.team, 'blue')" },
  // invalid permissions are skipped and must not break the others
  { _id: 'broken', roles: ['user'], predicate: "path-prefix('/docs' and" },
  { _id: 'mixedProjection', roles: ['user'], predicate: "method(GET) and path('/docs')", mongo: { projectResponse: { a: 0, b: 1 } } },
  { _id: 'noRoles', roles: [], predicate: "path-prefix('/docs')" },
];

async function setup(srv: TestServer): Promise<void> {
  for (const [name, docs] of Object.entries(COLLECTIONS)) await createCollection(srv, name, docs);
  await createUser(srv, 'alice', 'apw', ['user'], { tenants: ['t1', 't2'] });
  await createUser(srv, 'bob', 'bpw', ['user']);
  await createUser(srv, 'carol', 'cpw', ['editor']);
  await addPermissions(srv, PERMISSIONS);
}

async function adminGet(srv: TestServer, path: string): Promise<any> {
  const r = await must(srv, 'GET', path, undefined, [200]);
  return r.json();
}

const st: Record<string, string> = {};

describe('ACL: $unauthenticated, no match, /roles, $where', () => {
  cases({ rho: RHO, setup }, [
    { name: '$unauthenticated permission: anonymous GET /open → 200 with data', method: 'GET', path: '/open', auth: null, status: 200, check: (r) => assert.deepEqual(r.json().map(strip), [{ _id: 'o1', v: 'open' }]) },
    { name: '$unauthenticated permission: anonymous GET /open/o1 → 200', method: 'GET', path: '/open/o1', auth: null, status: 200, expectBodyPartial: { _id: 'o1', v: 'open' } },
    { name: '$unauthenticated: anonymous POST /open → 401', method: 'POST', path: '/open', auth: null, body: { a: 1 }, ...UNAUTHORIZED },
    { name: '$unauthenticated: anonymous DELETE /open/o1 → 401', method: 'DELETE', path: '/open/o1', auth: null, ...UNAUTHORIZED },
    { name: 'anonymous GET on a path without $unauthenticated permission → 401', method: 'GET', path: '/docs', auth: null, ...UNAUTHORIZED },
    { name: 'wrong credentials on a $unauthenticated path → 401', method: 'GET', path: '/open', auth: basic('alice', 'nope'), ...UNAUTHORIZED },
    { name: 'an authenticated user does not inherit $unauthenticated permissions → 403', method: 'GET', path: '/open', auth: ALICE, ...FORBIDDEN },
    { name: 'no permission matches → 403 empty body', method: 'GET', path: '/docs', auth: ALICE, ...FORBIDDEN },
    { name: 'role without any permission → 403', method: 'GET', path: '/docs', auth: CAROL, ...FORBIDDEN },
    { name: 'user on the root → 403', method: 'GET', path: '/', auth: ALICE, ...FORBIDDEN },
    { name: 'user on /acl → 403', method: 'GET', path: '/acl', auth: ALICE, ...FORBIDDEN },
    { name: 'user on /users → 403', method: 'GET', path: '/users', auth: ALICE, ...FORBIDDEN },
    { name: 'invalid permissions are skipped; valid ones still work (GET /pathcoll → 200)', method: 'GET', path: '/pathcoll', auth: ALICE, status: 200 },
    { name: 'GET /roles/<own> → 200 {"authenticated":true,"roles":[...]}', method: 'GET', path: '/roles/alice', auth: ALICE, status: 200, expectBody: { authenticated: true, roles: ['user'] } },
    { name: 'GET /roles/<another user> → 403', method: 'GET', path: '/roles/bob', auth: ALICE, ...FORBIDDEN },
    { name: 'GET /roles/<another user> as admin → 403 (vetoed even for root)', method: 'GET', path: '/roles/alice', ...FORBIDDEN },
    { name: 'GET /roles itself → 403', method: 'GET', path: '/roles', auth: ALICE, ...FORBIDDEN },
    { name: 'GET /roles/<user> anonymous → 401', method: 'GET', path: '/roles/alice', auth: null, ...UNAUTHORIZED },
    { name: 'POST /roles/<own> → 405', method: 'POST', path: '/roles/alice', auth: ALICE, status: 405 },
    { name: 'OPTIONS /roles/<user> anonymous → 200', method: 'OPTIONS', path: '/roles/alice', auth: null, status: 200, expectBody: '' },
    { name: '$where in filter → 403 even for admin', method: 'GET', path: `/docs?filter=${q({ $where: 'true' })}`, ...FORBIDDEN },
    { name: '$where nested in $or → 403', method: 'GET', path: `/docs?filter=${q({ $or: [{ a: 1 }, { $where: 'this.a == 1' }] })}`, ...FORBIDDEN },
    { name: '$where on _size → 403', method: 'GET', path: `/docs/_size?filter=${q({ $where: '1' })}`, ...FORBIDDEN },
    { name: '$where as a user on an allowed path → 403', method: 'GET', path: `/rf?filter=${q({ $and: [{ $where: 'true' }] })}`, auth: ALICE, ...FORBIDDEN },
    { name: '$where in a bulk DELETE filter → 403', method: 'DELETE', path: `/docs/*?filter=${q({ $where: 'true' })}`, ...FORBIDDEN },
  ]);
});

describe('ACL: predicate types and priority', () => {
  cases({ rho: RHO, setup }, [
    { name: 'path(): exact path → 200', method: 'GET', path: '/pathcoll', auth: ALICE, status: 200, check: idsAre(['p1']) },
    { name: 'path(): trailing slash normalised → 200', method: 'GET', path: '/pathcoll/', auth: ALICE, status: 200 },
    { name: 'path(): a document below → 403', method: 'GET', path: '/pathcoll/p1', auth: ALICE, ...FORBIDDEN },
    { name: 'path() + method(GET): POST → 403', method: 'POST', path: '/pathcoll', auth: ALICE, body: { a: 1 }, ...FORBIDDEN },
    { name: 'path-template + equals(@user._id, ${userid}): own → 200', method: 'GET', path: '/home/alice', auth: ALICE, status: 200, expectBodyPartial: { _id: 'alice', x: 1 } },
    { name: 'path-template + equals: another user\'s → 403', method: 'GET', path: '/home/bob', auth: ALICE, ...FORBIDDEN },
    { name: 'path-template + equals: bob on his own → 200', method: 'GET', path: '/home/bob', auth: BOB, status: 200, expectBodyPartial: { _id: 'bob', x: 2 } },
    { name: 'path-template: one segment only (/home/alice/x) → 403', method: 'GET', path: '/home/alice/x', auth: ALICE, ...FORBIDDEN },
    { name: 'qparams-contain(page): present → 200', method: 'GET', path: '/qp?page=1', auth: ALICE, status: 200 },
    { name: 'qparams-contain(page): absent → 403', method: 'GET', path: '/qp', auth: ALICE, ...FORBIDDEN },
    { name: 'qparams-contain(page): only pagesize → 403', method: 'GET', path: '/qp?pagesize=1', auth: ALICE, ...FORBIDDEN },
    { name: 'qparams-size(1): one parameter → 200', method: 'GET', path: '/qs?page=1', auth: ALICE, status: 200 },
    { name: 'qparams-size(1): one parameter repeated (distinct count 1) → 200', method: 'GET', path: '/qs?page=1&page=2', auth: ALICE, status: 200 },
    { name: 'qparams-size(1): two parameters → 403', method: 'GET', path: '/qs?page=1&pagesize=2', auth: ALICE, ...FORBIDDEN },
    { name: 'qparams-size(1): none → 403', method: 'GET', path: '/qs', auth: ALICE, ...FORBIDDEN },
    { name: 'in(value=${id}, array=@user.tenants): member → 200', method: 'GET', path: '/t/t1', auth: ALICE, status: 200, expectBodyPartial: { _id: 't1' } },
    { name: 'in(): non-member → 403', method: 'GET', path: '/t/t3', auth: ALICE, ...FORBIDDEN },
    { name: 'in(): user without the property → 403', method: 'GET', path: '/t/t1', auth: BOB, ...FORBIDDEN },
    { name: 'regex + equals(%u, ${1}): own → 200', method: 'GET', path: '/rx/alice', auth: ALICE, status: 200 },
    { name: 'regex + equals: another → 403', method: 'GET', path: '/rx/bob', auth: ALICE, ...FORBIDDEN },
    { name: 'regex full-match: longer path → 403', method: 'GET', path: '/rx/alice/x', auth: ALICE, ...FORBIDDEN },
    { name: 'and/or/not: GET → 200', method: 'GET', path: '/logic', auth: ALICE, status: 200 },
    { name: 'and/or/not: POST → 201', method: 'POST', path: '/logic', auth: ALICE, body: { a: 1 }, status: 201 },
    { name: 'and/or/not: GET with the negated qparam → 403', method: 'GET', path: '/logic?forbidden=1', auth: ALICE, ...FORBIDDEN },
    { name: 'and/or/not: DELETE → 403', method: 'DELETE', path: '/logic', auth: ALICE, ...FORBIDDEN },
    { name: 'and/or/not: PATCH a document → 403', method: 'PATCH', path: '/logic/x', auth: ALICE, body: { a: 1 }, ...FORBIDDEN },
    {
      name: '@user.<claim> from a JWT payload: team blue → 200, team red → 403',
      method: 'GET', path: '/jw', auth: ALICE, ...FORBIDDEN,
      check: async (_r, srv) => {
        const blue = await signJwt({ roles: ['user'], team: 'blue' }, { subject: 'zed' });
        const red = await signJwt({ roles: ['user'], team: 'red' }, { subject: 'zed' });
        const ok = await send(srv, 'GET', '/jw', { auth: `Bearer ${blue}` });
        assert.equal(ok.status, 200, ok.text);
        assert.equal((await send(srv, 'GET', '/jw', { auth: `Bearer ${red}` })).status, 403);
      },
    },
    { name: 'priority: higher priority first (readFilter of a-high applies)', method: 'GET', path: '/prio', auth: ALICE, status: 200, check: idsAre(['h']) },
    { name: 'priority ties: _id descending (tie-b applies)', method: 'GET', path: '/tie', auth: ALICE, status: 200, check: idsAre(['b']) },
    { name: 'priority missing sorts last (np-a with priority 0 applies)', method: 'GET', path: '/nopri', auth: ALICE, status: 200, check: idsAre(['y']) },
    {
      name: 'a permission added at runtime applies at once (cache-ttl 0), and its removal too',
      method: 'GET', path: '/late', auth: ALICE, ...FORBIDDEN,
      check: async (_r, srv) => {
        await must(srv, 'POST', '/acl', { _id: 'late', roles: ['user'], predicate: "method(GET) and path('/late')" });
        assert.equal((await send(srv, 'GET', '/late', { auth: ALICE })).status, 200);
        await must(srv, 'DELETE', '/acl/late', undefined, [204]);
        assert.equal((await send(srv, 'GET', '/late', { auth: ALICE })).status, 403);
      },
    },
  ]);
});

describe('ACL: mongo flags', () => {
  const bulk = (coll: string) => `/${coll}/*?filter=${q({ a: 1 })}`;
  cases({ rho: RHO, setup }, [
    { name: 'no flags: GET collection → 200', method: 'GET', path: '/mg0', auth: ALICE, status: 200 },
    { name: 'no flags: POST document → 201', method: 'POST', path: '/mg0', auth: ALICE, body: { _id: 'n1', a: 1 }, status: 201 },
    { name: 'no flags: PUT document without wm → 200', method: 'PUT', path: '/mg0/e1', auth: ALICE, body: { a: 1, b: 2 }, status: 200 },
    { name: 'no flags: PATCH document without wm → 200', method: 'PATCH', path: '/mg0/e1', auth: ALICE, body: { c: 3 }, status: 200 },
    { name: 'no flags: PUT collection (management) → 403', method: 'PUT', path: '/mg0', auth: ALICE, body: { desc: 'x' }, ...FORBIDDEN },
    { name: 'no flags: PATCH collection (management) → 403', method: 'PATCH', path: '/mg0', auth: ALICE, body: { desc: 'x' }, ...FORBIDDEN },
    { name: 'no flags: DELETE collection (management) → 403', method: 'DELETE', path: '/mg0', auth: ALICE, ...FORBIDDEN },
    { name: 'no flags: GET _meta (management) → 403', method: 'GET', path: '/mg0/_meta', auth: ALICE, ...FORBIDDEN },
    { name: 'no flags: GET _indexes (management) → 403', method: 'GET', path: '/mg0/_indexes', auth: ALICE, ...FORBIDDEN },
    { name: 'no flags: PUT an index (management) → 403', method: 'PUT', path: '/mg0/_indexes/ix', auth: ALICE, body: { keys: { a: 1 } }, ...FORBIDDEN },
    { name: 'no flags: bulk PATCH → 403', method: 'PATCH', path: bulk('mg0'), auth: ALICE, body: { $set: { z: 1 } }, ...FORBIDDEN },
    { name: 'no flags: bulk DELETE → 403', method: 'DELETE', path: bulk('mg0'), auth: ALICE, ...FORBIDDEN },
    { name: 'no flags: POST ?wm=upsert → 403', method: 'POST', path: '/mg0?wm=upsert', auth: ALICE, body: { _id: 'e1', a: 2 }, ...FORBIDDEN },
    { name: 'no flags: PUT document ?wm=upsert → 403', method: 'PUT', path: '/mg0/new?wm=upsert', auth: ALICE, body: { a: 2 }, ...FORBIDDEN },
    { name: 'no flags: PATCH document ?writeMode=update → 403', method: 'PATCH', path: '/mg0/e1?writeMode=update', auth: ALICE, body: { a: 2 }, ...FORBIDDEN },
    { name: 'no flags: bulk POST ?wm=insert → 403', method: 'POST', path: '/mg0?wm=insert', auth: ALICE, body: [{ _id: 'k1' }], ...FORBIDDEN },
    { name: 'the refused writes changed nothing (e1 unchanged by upserts, no "new")', method: 'GET', path: '/mg0', status: 200, check: (r) => { assert.deepEqual(ids(r), ['e1', 'n1']); assert.deepEqual(strip(r.json().find((d: any) => d._id === 'e1')), { _id: 'e1', a: 1, b: 2, c: 3 }); } },
    { name: 'allowManagementRequests: PUT collection → 201', method: 'PUT', path: '/mg1', auth: ALICE, body: { desc: 'made by alice' }, status: 201 },
    { name: 'allowManagementRequests: GET _meta → 200', method: 'GET', path: '/mg1/_meta', auth: ALICE, status: 200, expectBodyPartial: { desc: 'made by alice' } },
    { name: 'allowManagementRequests: PATCH collection → 200', method: 'PATCH', path: '/mg1', auth: ALICE, body: { desc2: 'y' }, status: 200 },
    { name: 'allowManagementRequests only: bulk PATCH still → 403', method: 'PATCH', path: bulk('mg1'), auth: ALICE, body: { $set: { z: 1 } }, ...FORBIDDEN },
    { name: 'allowManagementRequests only: PUT ?wm=upsert → 403', method: 'PUT', path: '/mg1/d?wm=upsert', auth: ALICE, body: { a: 1 }, ...FORBIDDEN },
    { name: 'allowBulkPatch: bulk PATCH → 200', method: 'PATCH', path: bulk('mg2'), auth: ALICE, body: { $set: { z: 1 } }, status: 200 },
    { name: 'allowWriteMode: PUT ?wm=upsert → 201', method: 'PUT', path: '/mg2/new?wm=upsert', auth: ALICE, body: { a: 5 }, status: 201 },
    { name: 'allowWriteMode: POST ?wm=upsert → 200', method: 'POST', path: '/mg2?wm=upsert', auth: ALICE, body: { _id: 'new', a: 6 }, status: 200 },
    { name: 'allowBulkDelete: bulk DELETE → 200', method: 'DELETE', path: bulk('mg2'), auth: ALICE, status: 200 },
    { name: 'bulk writes applied: only e3 and new remain', method: 'GET', path: '/mg2', status: 200, check: idsAre(['e3', 'new']) },
    { name: 'bulk flags without management: PUT collection → 403', method: 'PUT', path: '/mg2', auth: ALICE, body: { desc: 'x' }, ...FORBIDDEN },
    { name: 'bulk flags without management: GET _meta → 403', method: 'GET', path: '/mg2/_meta', auth: ALICE, ...FORBIDDEN },
  ]);
});

describe('ACL: readFilter, writeFilter, mergeRequest, projectResponse', () => {
  cases({ rho: RHO, setup }, [
    { name: 'readFilter: user sees only matching docs', method: 'GET', path: '/rf', auth: ALICE, status: 200, check: idsAre(['a1', 'a2']) },
    { name: 'readFilter: another user sees only his', method: 'GET', path: '/rf', auth: BOB, status: 200, check: idsAre(['b1']) },
    { name: 'readFilter: applied to _size', method: 'GET', path: '/rf/_size', auth: ALICE, status: 200, expectBody: { _size: 2 } },
    { name: 'readFilter: document GET of a non-matching doc → 404', method: 'GET', path: '/rf/b1', auth: ALICE, status: 404, check: (r) => assert.ok(!r.text.includes('"owner":"bob"'), r.text) },
    { name: 'readFilter: document GET of a matching doc → 200', method: 'GET', path: '/rf/a1', auth: ALICE, status: 200, expectBodyPartial: { _id: 'a1', owner: 'alice' } },
    { name: 'readFilter is ANDed with the client filter (cannot be widened)', method: 'GET', path: `/rf?filter=${q({ owner: 'bob' })}`, auth: ALICE, status: 200, expectBody: [] },
    { name: 'readFilter cannot be widened with $or', method: 'GET', path: `/rf?filter=${q({ $or: [{ owner: 'bob' }, { owner: { $exists: true } }] })}`, auth: ALICE, status: 200, check: idsAre(['a1', 'a2']) },
    { name: 'readFilter with an escaped _$or and @user._id', method: 'GET', path: '/rf2', auth: ALICE, status: 200, check: idsAre(['mine', 'pub']) },
    { name: 'readFilter with _$or: bob', method: 'GET', path: '/rf2', auth: BOB, status: 200, check: idsAre(['other', 'pub']) },
    { name: 'writeFilter: PATCH a non-matching doc → 404', method: 'PATCH', path: '/wf/b1', auth: ALICE, body: { v: 1 }, status: 404 },
    { name: 'writeFilter: PATCH a matching doc → 200', method: 'PATCH', path: '/wf/a1', auth: ALICE, body: { v: 1 }, status: 200 },
    { name: 'writeFilter: DELETE a non-matching doc → 404', method: 'DELETE', path: '/wf/b2', auth: ALICE, status: 404 },
    { name: 'writeFilter: DELETE a matching doc → 204', method: 'DELETE', path: '/wf/a2', auth: ALICE, status: 204 },
    { name: 'writeFilter: PATCH with ?wm=upsert (no allowWriteMode) → 403', method: 'PATCH', path: '/wf/b1?wm=upsert', auth: ALICE, body: { v: 2 }, ...FORBIDDEN },
    {
      name: 'writeFilter: only own docs changed',
      method: 'GET', path: '/wf', status: 200,
      check: (r) => assert.deepEqual(r.json().map(strip).sort((x: any, y: any) => x._id.localeCompare(y._id)), [
        { _id: 'a1', owner: 'alice', v: 1 }, { _id: 'b1', owner: 'bob', v: 0 }, { _id: 'b2', owner: 'bob', v: 0 },
      ]),
    },
    {
      name: 'mergeRequest: POST → 201; author/status overwritten, createdAt = @now',
      method: 'POST', path: '/posts', auth: ALICE, body: { title: 't', author: 'mallory', status: 'published', createdAt: 'yesterday' }, status: 201,
      check: async (r, srv) => {
        const loc = r.headers.get('location') ?? '';
        st.post = loc.slice(loc.lastIndexOf('/') + 1);
        const d = await adminGet(srv, `/posts/${st.post}`);
        assert.equal(d.title, 't');
        assert.equal(d.author, 'alice');
        assert.equal(d.status, 'draft');
        assert.equal(typeof d.createdAt?.$date, 'number', JSON.stringify(d));
        assert.ok(Math.abs(d.createdAt.$date - Date.now()) < 60_000, JSON.stringify(d));
      },
    },
    {
      name: 'mergeRequest: bulk POST → every document merged',
      method: 'POST', path: '/posts', auth: BOB, body: [{ title: 'b1', author: 'alice' }, { title: 'b2' }], status: 200,
      check: async (_r, srv) => {
        const all = (await adminGet(srv, `/posts?filter=${q({ title: { $in: ['b1', 'b2'] } })}`)) as any[];
        assert.equal(all.length, 2);
        for (const d of all) { assert.equal(d.author, 'bob'); assert.equal(d.status, 'draft'); }
      },
    },
    {
      name: 'mergeRequest with update operators: merged into $set (editor overwritten)',
      method: 'PATCH', path: () => `/posts/${st.post}`, auth: ALICE, body: { $set: { title: 't2', editor: 'mallory' } }, status: 200,
      check: async (_r, srv) => {
        const d = await adminGet(srv, `/posts/${st.post}`);
        assert.equal(d.title, 't2');
        assert.equal(d.editor, 'alice');
        assert.equal(d.author, 'alice');
      },
    },
    { name: 'writeFilter on posts: another user PATCHing alice\'s post → 404', method: 'PATCH', path: () => `/posts/${st.post}`, auth: BOB, body: { title: 'hijack' }, status: 404 },
    { name: 'projectResponse hide: document without the hidden fields', method: 'GET', path: '/pr/p1', auth: ALICE, status: 200, check: (r) => assert.deepEqual(strip(r.json()), { _id: 'p1', name: 'n', nested: { a: 1 } }) },
    { name: 'projectResponse hide: collection without the hidden fields', method: 'GET', path: '/pr', auth: ALICE, status: 200, check: (r) => assert.deepEqual(r.json().map(strip), [{ _id: 'p1', name: 'n', nested: { a: 1 } }]) },
    { name: 'projectResponse hide: ?keys cannot bring hidden fields back', method: 'GET', path: `/pr/p1?keys=${q({ secret: 1 })}`, auth: ALICE, status: 200, check: (r) => assert.ok(!('secret' in r.json()), r.text) },
    {
      name: 'projectResponse keep: only the kept fields',
      method: 'GET', path: '/pk/p1', auth: ALICE, status: 200,
      check: (r) => { const d = r.json(); assert.equal(d.name, 'n'); assert.ok(!('other' in d) && !('more' in d), r.text); },
    },
    {
      name: 'projectResponse keep: collection',
      method: 'GET', path: '/pk', auth: ALICE, status: 200,
      check: (r) => { const [d] = r.json(); assert.equal(d.name, 'n'); assert.ok(!('other' in d) && !('more' in d), r.text); },
    },
    { name: 'projectResponse does not apply to admin', method: 'GET', path: '/pr/p1', status: 200, expectBodyPartial: { secret: 's', nested: { a: 1, b: 2 } } },
  ]);
});

describe('ACL: fileAclAuthorizer', () => {
  const perms = [
    { role: 'admin', predicate: "path-prefix('/')", priority: 0, mongo: { allowManagementRequests: true, allowBulkPatch: true, allowBulkDelete: true, allowWriteMode: true } },
    { roles: ['user'], predicate: "path-prefix('/fa') and method(GET)", priority: 2, mongo: { readFilter: '{"pub": false}' } },
    { roles: ['user'], predicate: "path-prefix('/fa') and method(GET)", priority: 1, mongo: { readFilter: '{"pub": true}' } },
    { role: '$unauthenticated', predicate: "path('/fopen') and method(GET)", priority: 0 },
    { role: 'user', predicate: "path-prefix('/fown') and method(GET)", priority: 0, mongo: { readFilter: '{"_$or": [{"status": "public"}, {"author": "@user._id"}]}' } },
  ];
  cases({
    rho: `/mongoAclAuthorizer/enabled->false;/fileAclAuthorizer/enabled->true;/fileAclAuthorizer/permissions->${JSON.stringify(perms)}`,
    setup: async (srv) => {
      await createCollection(srv, 'fa', [{ _id: 'yes', pub: true }, { _id: 'no', pub: false }]);
      await createCollection(srv, 'fopen', [{ _id: 'f1' }]);
      await createCollection(srv, 'fown', [{ _id: 'p', status: 'public', author: 'x' }, { _id: 'm', status: 'draft', author: 'alice' }, { _id: 'o', status: 'draft', author: 'x' }]);
      await createCollection(srv, 'other', [{ _id: 'z' }]);
      await createUser(srv, 'alice', 'apw', ['user']);
    },
  }, [
    { name: 'admin allowed by its file permission', method: 'GET', path: '/users', status: 200 },
    { name: 'lower priority number evaluated first (readFilter pub:true applies)', method: 'GET', path: '/fa', auth: ALICE, status: 200, check: idsAre(['yes']) },
    { name: 'readFilter given as a JSON string with _$or and @user._id', method: 'GET', path: '/fown', auth: ALICE, status: 200, check: idsAre(['m', 'p']) },
    { name: 'no matching file permission → 403', method: 'GET', path: '/other', auth: ALICE, ...FORBIDDEN },
    { name: 'method not allowed by the file permission → 403', method: 'POST', path: '/fa', auth: ALICE, body: { a: 1 }, ...FORBIDDEN },
    { name: '$unauthenticated file permission → anonymous 200', method: 'GET', path: '/fopen', auth: null, status: 200 },
    { name: 'anonymous elsewhere → 401', method: 'GET', path: '/fa', auth: null, ...UNAUTHORIZED },
  ]);
});
