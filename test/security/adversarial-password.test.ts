// Adversarial: reading the password hash of /users without seeing it (SECURITY.md §5.2): oracles
// through filters ($expr and every expression that reads a field, $$ROOT, $getField...), on every
// URL and method that takes a filter, through sort, keys, hint, update pipelines and operators,
// aggregations and another mount — as root and as a user manager. Each attack is paired with the
// same request on another field (or on another collection), which must work.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { q, probes, type Probe } from './adversarial-support.ts';
import { addPermissions, basic, createCollection, createUser, errorBody, must, type Reply, type TestServer } from './http-support.ts';

const MGR = basic('mgr', 'mpw');
const refusedAs = (what: string) => (r: Reply) => assert.deepEqual(r.json(), errorBody(403, 'Forbidden', `Using ${what} on the password property is forbidden`));
const noHash = (r: Reply) => assert.ok(!/\$2[aby]\$/.test(r.text) && !r.text.includes('"password"'), `the hash leaked: ${r.text}`);
const nonEmpty = (r: Reply) => {
  noHash(r);
  assert.ok(r.json().length > 0, r.text);
};

async function setup(srv: TestServer): Promise<void> {
  await createUser(srv, 'mgr', 'mpw', ['usermgr']);
  await must(srv, 'POST', '/users', { _id: 't1', roles: ['user'], email: 't1@example.org', n: 5 });
  await createUser(srv, 'pw1', 'a password', ['user']);
  // a collection where the same expressions are allowed: they work, the refusal is the users rule
  await createCollection(srv, 'plain', [{ _id: 'p1', password: 'not-a-secret', email: 'p@example.org' }]);
  await addPermissions(srv, [{
    _id: 'manageUsers', roles: ['usermgr'], predicate: "path-prefix('/users')",
    mongo: { allowBulkPatch: true, allowBulkDelete: true, allowWriteMode: true },
  }]);
}

/** [attack filter on the password, the same expression on another field]. */
const FIELD_FILTERS: Array<[unknown, unknown]> = [
  [{ _id: 'admin', $expr: { $regexMatch: { input: '$password', regex: '^\\$2' } } }, { _id: 'admin', $expr: { $regexMatch: { input: '$_id', regex: '^ad' } } }],
  [{ $expr: { $eq: [{ $substrCP: ['$password', 0, 4] }, '$2b$'] } }, { $expr: { $eq: [{ $substrCP: ['$_id', 0, 2] }, 'ad'] } }],
  [{ $expr: { $gt: [{ $strLenCP: '$password' }, 10] } }, { $expr: { $gt: [{ $strLenCP: '$_id' }, 1] } }],
  [{ $expr: { $lt: ['$password', '$3'] } }, { $expr: { $lt: ['$_id', 'b'] } }],
  [{ $expr: { $eq: [{ $type: '$password' }, 'string'] } }, { $expr: { $eq: [{ $type: '$_id' }, 'string'] } }],
  [{ $expr: { $eq: [{ $substrBytes: ['$password', 0, 1] }, '$'] } }, { $expr: { $eq: [{ $substrBytes: ['$_id', 0, 1] }, 'a'] } }],
  [{ $expr: { $let: { vars: { p: '$password' }, in: { $gt: ['$$p', ''] } } } }, { $expr: { $let: { vars: { p: '$_id' }, in: { $gt: ['$$p', ''] } } } }],
  [{ $expr: { $gt: ['$password.x', null] } }, { $expr: { $gt: ['$_id', null] } }],
  [{ password: { $regex: '^\\$2' } }, { _id: { $regex: '^ad' } }],
  [{ 'password.0': { $exists: false } }, { '_id.0': { $exists: false } }],
  [{ $nor: [{ password: { $exists: false } }] }, { $nor: [{ email: { $exists: false } }] }],
  [{ $and: [{ $or: [{ password: { $gt: '' } }] }] }, { $and: [{ $or: [{ _id: { $gt: '' } }] }] }],
];

/** Expressions that reach a field by a computed name: refused on /users, working on /plain. */
const COMPUTED_FILTERS: unknown[] = [
  { $expr: { $eq: [{ $getField: 'password' }, 'x'] } },
  { $expr: { $eq: [{ $getField: { field: { $concat: ['pass', 'word'] }, input: '$$CURRENT' } }, 'x'] } },
  { $expr: { $lt: ['$$ROOT', { _id: 'admin', password: '$2b' }] } },
  { $expr: { $gt: [{ $size: { $objectToArray: '$$ROOT' } }, 0] } },
  { $expr: { $eq: ['$$CURRENT.password', 'x'] } },
  { $expr: { $in: ['password', { $map: { input: { $objectToArray: '$$ROOT' }, in: '$$this.k' } }] } },
];

const FILTERS: Probe[] = [
  ...FIELD_FILTERS.map(([bad, good]): Probe => ({
    name: `GET /users?filter=${JSON.stringify(bad)} as root → 403; on another field → 200`,
    attack: { method: 'GET', path: `/users?filter=${q(bad)}`, status: 403, check: refusedAs('filters') },
    control: { method: 'GET', path: `/users?filter=${q(good)}`, status: 200, check: nonEmpty },
  })),
  ...COMPUTED_FILTERS.map((f): Probe => ({
    name: `GET /users?filter=${JSON.stringify(f)} → 403; on /plain → 200`,
    attack: { method: 'GET', path: `/users?filter=${q(f)}`, status: 403, check: refusedAs('filters') },
    control: { method: 'GET', path: `/plain?filter=${q(f)}`, status: 200 },
  })),
  {
    name: 'a unicode-escaped key ("pass\\u0077ord") is the password → 403; "em\\u0061il" → 200',
    attack: { method: 'GET', path: `/users?filter=${encodeURIComponent('{"pass\\u0077ord":{"$exists":true}}')}`, status: 403 },
    control: { method: 'GET', path: `/users?filter=${encodeURIComponent('{"em\\u0061il":{"$exists":true}}')}`, status: 200, check: nonEmpty },
  },
  {
    name: '$jsonSchema (pattern properties) → 403; a query without it → 200',
    attack: { method: 'GET', path: `/users?filter=${q({ $jsonSchema: { patternProperties: { '^pass': { pattern: '^\\$2' } } } })}`, status: 403 },
    control: { method: 'GET', path: `/users?filter=${q({ email: { $type: 'string' } })}`, status: 200, check: nonEmpty },
  },
];

/** A regexMatch oracle on the password on every URL and method that takes a filter. */
const ORACLE = { _id: { $exists: true }, $expr: { $regexMatch: { input: '$password', regex: '^\\$2' } } };
const HARMLESS = { _id: 't1', $expr: { $regexMatch: { input: '$email', regex: '^t1' } } };
const URLS: Probe[] = ([
  ['GET', '/users/_size', undefined, undefined, 200],
  ['GET', '/users/t1', undefined, undefined, 200],
  ['GET', '/users', MGR, undefined, 200],
  ['PATCH', '/users/t1', MGR, { note: 'x' }, 200],
  ['PUT', '/users/t1', MGR, { roles: ['user'], email: 't1@example.org', n: 5 }, 200],
  ['PATCH', '/users/*', MGR, { note: 'y' }, 200],
] as const).map(([method, path, auth, body, ok]): Probe => ({
  name: `${method} ${path}?filter=<password oracle> → 403; with a harmless $expr → ${ok}`,
  attack: { method, path: `${path}?filter=${q(ORACLE)}`, auth, body, status: 403, check: refusedAs('filters') },
  control: { method, path: `${path}?filter=${q(HARMLESS)}`, auth, body, status: ok },
}));

/** Deletes, whose controls delete a user made for them. */
const DELETES: Probe[] = (['/users/*', '/users/del'] as const).map((path, i): Probe => ({
  name: `DELETE ${path}?filter=<password oracle> → 403, nothing deleted; with a harmless $expr → deleted`,
  prepare: [{ method: 'POST', path: '/users', body: { _id: `del${i}`, roles: ['user'] } }],
  attack: { method: 'DELETE', path: `${path.replace('del', `del${i}`)}?filter=${q(ORACLE)}`, auth: MGR, status: 403, check: refusedAs('filters') },
  control: {
    method: 'DELETE', path: `${path.replace('del', `del${i}`)}?filter=${q({ _id: `del${i}`, $expr: { $eq: ['$_id', `del${i}`] } })}`, auth: MGR,
    status: i === 0 ? 200 : 204, check: (r) => { if (i === 0) assert.equal(r.json().deleted, 1, r.text); },
  },
}));

const PARAMS: Probe[] = [
  ...['sort=password', 'sort=-password', `sort=${q({ password: 1 })}`, 'sort_by=password', 'sort=password.x', 'sort=_id&sort=password'].map((p): Probe => ({
    name: `GET /users?${decodeURIComponent(p)} → 403; sort by _id → 200`,
    attack: { method: 'GET', path: `/users?${p}`, status: 403, check: refusedAs('sort') },
    control: { method: 'GET', path: `/users?${p.replaceAll('password', '_id')}`, status: 200, check: nonEmpty },
  })),
  ...[{ p: '$password' }, { p: { $substrCP: ['$password', 0, 3] } }, { password: { $slice: 1 } }, { r: '$$ROOT' }, { password: { $elemMatch: { $gt: '' } } }].map((k): Probe => ({
    name: `GET /users?keys=${JSON.stringify(k)} → 403; keys={"password":1} → 200 without it`,
    attack: { method: 'GET', path: `/users?keys=${q(k)}`, status: 403, check: refusedAs('keys') },
    control: { method: 'GET', path: `/users?keys=${q({ password: 1 })}`, status: 200, check: nonEmpty },
  })),
  ...['hint=%2Bpassword', 'hint=-password', `hint=${q({ password: 1 })}`, `hint=${q({ _id: 1, 'password.x': 1 })}`].map((p): Probe => ({
    name: `GET /users?${decodeURIComponent(p)} → 403; hint on _id → 200`,
    attack: { method: 'GET', path: `/users?${p}`, status: 403, check: refusedAs('hint') },
    control: { method: 'GET', path: `/users?hint=${q({ _id: 1 })}`, status: 200, check: nonEmpty },
  })),
  {
    name: 'a hint naming an index over the password (created by root) → 403; the _id_ index → 200',
    prepare: [{ method: 'PUT', path: '/users/_indexes/pwd', body: { keys: { password: 1 } } }],
    attack: { method: 'GET', path: '/users?hint=pwd', status: 403, check: refusedAs('hint') },
    control: { method: 'GET', path: '/users?hint=_id_', status: 200, check: nonEmpty },
  },
];

/** Updates that copy, compare or move the hash. */
const UPDATES: Probe[] = ([
  [[{ $set: { email: '$password' } }], [{ $set: { note: '$email' } }]],
  [[{ $set: { email: { $substrCP: ['$password', 0, 7] } } }], [{ $set: { note: { $substrCP: ['$email', 0, 2] } } }]],
  [[{ $set: { x: { $getField: 'password' } } }], [{ $set: { x: '$n' } }]],
  [[{ $replaceWith: { $mergeObjects: ['$$ROOT', { leak: 1 }] } }], [{ $replaceWith: { _id: 't1', roles: ['user'], email: 't1@example.org', n: 5 } }]],
  [{ $rename: { password: 'leak' } }, { $rename: { n: 'm' } }],
  [{ $rename: { email: 'password' } }, { $rename: { m: 'n' } }],
  [{ $min: { password: '$2b$12$M' } }, { $min: { n: 1 } }],
  [{ $max: { password: '~' } }, { $max: { n: 9 } }],
  [{ $currentDate: { password: true } }, { $currentDate: { seen: true } }],
] as const).flatMap(([bad, good]): Probe[] => [
  {
    name: `PATCH /users/t1 ${JSON.stringify(bad)} → 403; ${JSON.stringify(good)} → 200`,
    attack: { method: 'PATCH', path: '/users/t1', auth: MGR, body: bad, status: 403, check: refusedAs('update expressions') },
    control: { method: 'PATCH', path: '/users/t1', auth: MGR, body: good, status: 200 },
  },
  {
    name: `bulk PATCH ${JSON.stringify(bad)} → 403; ${JSON.stringify(good)} → 200`,
    attack: { method: 'PATCH', path: `/users/*?filter=${q({ _id: 't1' })}`, auth: MGR, body: bad, status: 403, check: refusedAs('update expressions') },
    control: { method: 'PATCH', path: `/users/*?filter=${q({ _id: 't1' })}`, auth: MGR, body: good, status: 200 },
  },
]);

/** A path inside the password: the engine's error ("Cannot create field 'x' in element {password: ...}") would quote the hash. */
const INSIDE: Probe[] = ([
  [{ $set: { 'password.x': 1 } }, { $set: { 'profile.x': 1 } }],
  [{ 'password.0': 'a' }, { 'profile.y': 'a' }],
  [{ $setOnInsert: { 'password.x': 1 } }, { $setOnInsert: { 'profile.z': 1 } }],
  [{ $unset: { 'password.x': 1 } }, { $unset: { 'profile.x': 1 } }],
  [{ $set: { 'password.$': 1 } }, { $set: { note: 1 } }],
] as const).map(([bad, good]): Probe => ({
  name: `PATCH a user with a password ${JSON.stringify(bad)} → 403 without the hash; ${JSON.stringify(good)} → 200`,
  attack: { method: 'PATCH', path: '/users/pw1', auth: MGR, body: bad, status: 403, check: (r) => { noHash(r); refusedAs('update expressions')(r); } },
  control: { method: 'PATCH', path: '/users/pw1', auth: MGR, body: good, status: 200 },
}));

const OTHER: Probe[] = [
  // on another collection the request reaches the API: an undefined aggregation or change stream (404)
  ...([['_aggrs', 404], ['_streams', 404]] as const).map(([r, status]): Probe => ({
    name: `GET /users/${r}/x → 403; on another collection it reaches the API (${status})`,
    attack: { method: 'GET', path: `/users/${r}/x`, status: 403 },
    control: { method: 'GET', path: `/plain/${r}/x`, status },
  })),
];

describe('adversarial: the password hash cannot be read through queries, sorts, projections, hints or updates', () => {
  probes({ rho: '/mongoAclAuthorizer/cache-ttl->0', setup, watched: ['users'] }, [...FILTERS, ...URLS, ...DELETES, ...PARAMS, ...UPDATES, ...INSIDE, ...OTHER]);
});

describe('adversarial: the users collection is guarded under any mount', () => {
  probes({
    rho: '/mongo/mongo-mounts->[{"what":"*","where":"/"}]',
    setup: async () => {},
    watched: ['users'],
  }, [{
    name: 'GET /restheart/users?filter=<password oracle> → 403; a harmless $expr → 200',
    attack: { method: 'GET', path: `/restheart/users?filter=${q(ORACLE)}`, status: 403, check: refusedAs('filters') },
    control: { method: 'GET', path: `/restheart/users?filter=${q({ $expr: { $eq: ['$_id', 'admin'] } })}`, status: 200, check: nonEmpty },
  }]);
});
