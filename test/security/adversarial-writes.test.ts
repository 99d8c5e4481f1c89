// Adversarial: ownership rules (SECURITY.md §8) attacked by a user on another user's documents,
// through every write path (POST with write modes, bulk POST, PUT, PATCH with operators and
// pipelines, bulk PATCH/DELETE), id encodings, client filters, If-Match, and reads past readFilter.
// Every attack is paired with the same access on the attacker's own documents (the control).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { q, probes, stored, storedDoc, type Probe } from './adversarial-support.ts';
import { addPermissions, basic, createCollection, createUser, type Reply, type TestServer } from './http-support.ts';

const ALICE = basic('alice', 'apw');
const as = { auth: ALICE };

const PERMISSIONS = [
  { _id: 'ownedRead', roles: ['user'], predicate: "method(GET) and path-prefix('/owned')", mongo: { readFilter: { owner: '@user._id' } } },
  {
    _id: 'ownedWrite', roles: ['user'],
    predicate: "(method(POST) or method(PUT) or method(PATCH) or method(DELETE)) and path-prefix('/owned')",
    mongo: { writeFilter: { owner: '@user._id' }, mergeRequest: { owner: '@user._id' }, allowWriteMode: true, allowBulkPatch: true, allowBulkDelete: true },
  },
];

/** bob's documents as they were created: no attack may change them. */
let bobs: unknown[] = [];
const bobsDocs = async (srv: TestServer) => (await stored(srv, 'owned')).filter((d) => d.owner === 'bob');

async function setup(srv: TestServer): Promise<void> {
  await createCollection(srv, 'owned', [
    { _id: 'a1', owner: 'alice', v: 0 }, { _id: 'b1', owner: 'bob', v: 0 }, { _id: 'b2', owner: 'bob', v: 0 },
  ]);
  await createUser(srv, 'alice', 'apw', ['user']);
  await addPermissions(srv, PERMISSIONS);
  bobs = await bobsDocs(srv);
}

const bobUntouched = async (srv: TestServer) => assert.deepEqual(await bobsDocs(srv), bobs, 'bob\'s documents changed');
/** The attack was neutralised: bob's documents intact and `id` still alice's. */
const stillAlices = (id: string) => async (srv: TestServer) => {
  await bobUntouched(srv);
  const d = await storedDoc(srv, 'owned', id);
  if (d) assert.equal(d.owner, 'alice', `owner of ${id} changed: ${JSON.stringify(d)}`);
};
const bulk = (counts: Record<string, number>, errors?: unknown[]) => (r: Reply) => {
  const b = r.json();
  for (const [k, v] of Object.entries(counts)) assert.equal(b[k], v, `${k}: ${r.text}`);
  if (errors) assert.deepEqual(b.errors, errors, r.text);
};
const ids = (expected: string[]) => (r: Reply) => assert.deepEqual((r.json() as any[]).map((d) => d._id).sort(), expected, r.text);
const etagOf = (id: string) => async (srv: TestServer) => ({ 'If-Match': String((await storedDoc(srv, 'owned', id))?._etag) });
const DUP = [{ index: 0, httpStatus: 409 }];

/** The same write on bob's b1 (refused) and on alice's a1 (granted); `who` fills a client filter. */
function writeMode(method: string, query: string, body: (id: string) => unknown, refused: number, granted: number): Probe {
  const url = (id: string, who: string) => `/owned${method === 'POST' ? '' : `/${id}`}${query.replaceAll('WHO', who)}`;
  return {
    name: `${method} ${decodeURIComponent(query)} ${JSON.stringify(body('b1'))} on bob's document → ${refused}; on alice's → ${granted}`,
    attack: { method, path: url('b1', 'bob'), ...as, body: body('b1'), status: refused },
    control: { method, path: url('a1', 'alice'), ...as, body: body('a1'), status: granted },
  };
}

const WRITES: Probe[] = [
  writeMode('POST', '?wm=upsert', (id) => ({ _id: id, v: 'hijack' }), 409, 200),
  writeMode('POST', '?wm=update', (id) => ({ _id: id, v: 'hijack' }), 404, 200),
  writeMode('POST', '?writeMode=upsert', (id) => ({ _id: id, v: 'hijack' }), 409, 200),
  writeMode('POST', '?writeMode=update', (id) => ({ _id: id, v: 'hijack' }), 404, 200),
  writeMode('POST', '?wm=UPSERT', (id) => ({ _id: id, v: 'hijack' }), 409, 200),
  writeMode('POST', `?wm=upsert&filter=${q({ owner: 'WHO' })}`, (id) => ({ _id: id, v: 'hijack' }), 409, 200),
  writeMode('POST', `?wm=update&filter=${q({ $or: [{ owner: 'bob' }, { owner: 'alice' }] })}`, (id) => ({ _id: id }), 404, 200),
  writeMode('PUT', '', () => ({ v: 'hijack' }), 404, 200),
  writeMode('PUT', '?wm=upsert', () => ({ v: 'hijack' }), 409, 200),
  writeMode('PUT', '?writeMode=update', () => ({ v: 'hijack' }), 404, 200),
  writeMode('PATCH', '', () => ({ v: 'hijack' }), 404, 200),
  writeMode('PATCH', '?wm=upsert', () => ({ v: 'hijack' }), 409, 200),
  writeMode('PATCH', '', () => ({ $set: { owner: 'alice' } }), 404, 200),
  writeMode('PATCH', '', () => [{ $set: { v: 'hijack' } }], 404, 200),
  writeMode('PATCH', '?wm=upsert', () => [{ $replaceWith: { owner: 'alice' } }], 409, 200),
  writeMode('PATCH', `?filter=${q({ owner: 'WHO' })}`, () => ({ v: 'hijack' }), 404, 200),
  writeMode('PATCH', `?filter=${q({ $or: [{ owner: 'bob' }, { _id: { $exists: true } }] })}`, () => ({ v: 'hijack' }), 404, 200),
  writeMode('PATCH', '?id_type=STRING', () => ({ v: 'hijack' }), 404, 200),
  {
    name: 'POST ?wm=insert with bob\'s _id → 409 (duplicate); a new id → 201',
    attack: { method: 'POST', path: '/owned?wm=insert', ...as, body: { _id: 'b1' }, status: 409 },
    control: { method: 'POST', path: '/owned?wm=insert', ...as, body: { _id: 'a-new' }, status: 201 },
  },
  {
    name: 'percent-encoded id /owned/%62%31 (b1) → 404; /owned/%61%31 (a1) → 200',
    attack: { method: 'PATCH', path: '/owned/%62%31', ...as, raw: true, body: { v: 'hijack' }, status: 404 },
    control: { method: 'PATCH', path: '/owned/%61%31', ...as, raw: true, body: { v: 'enc' }, status: 200 },
  },
  {
    name: 'PATCH with If-Match on bob\'s document → 404 without its ETag; with the right one on alice\'s → 200',
    attack: {
      method: 'PATCH', path: '/owned/b1', ...as, headers: { 'If-Match': '000000000000000000000000' }, body: { v: 'x' }, status: 404,
      check: (r) => assert.equal(r.headers.get('ETag'), null, 'the ETag of a document outside the writeFilter leaked'),
    },
    control: { method: 'PATCH', path: '/owned/a1', ...as, headers: etagOf('a1'), body: { v: 'if-match' }, status: 200 },
  },
  {
    name: 'DELETE bob\'s document (with If-Match) → 404; alice\'s → 204',
    prepare: [{ method: 'POST', path: '/owned', body: { _id: 'a-del1', owner: 'alice' } }],
    attack: { method: 'DELETE', path: '/owned/b1', ...as, headers: { 'If-Match': 'x' }, status: 404 },
    control: { method: 'DELETE', path: '/owned/a-del1', ...as, status: 204 },
  },
  {
    name: 'bulk POST ?wm=upsert with bob\'s _id → 207, item 409; with alice\'s → 200 modified 1',
    attack: { method: 'POST', path: '/owned?wm=upsert', ...as, body: [{ _id: 'b1', v: 'hijack' }], status: 207, check: bulk({ inserted: 0, modified: 0 }, DUP) },
    control: { method: 'POST', path: '/owned?wm=upsert', ...as, body: [{ _id: 'a1', v: 'bulk' }], status: 200, check: bulk({ modified: 1, matched: 1 }) },
  },
  {
    name: 'bulk POST ?writeMode=update with bob\'s _ids → matched 0; with alice\'s → matched 1',
    attack: { method: 'POST', path: '/owned?writeMode=update', ...as, body: [{ _id: 'b1' }, { _id: 'b2' }], status: 200, check: bulk({ matched: 0, modified: 0 }) },
    control: { method: 'POST', path: '/owned?writeMode=update', ...as, body: [{ _id: 'a1', v: 'u' }], status: 200, check: bulk({ matched: 1, modified: 1 }) },
  },
  {
    name: 'bulk POST ?wm=upsert mixing alice\'s and bob\'s _ids → only alice\'s written',
    attack: {
      method: 'POST', path: '/owned?wm=upsert', ...as, body: [{ _id: 'a1', v: 'mix' }, { _id: 'b1', v: 'mix' }], status: 207,
      check: bulk({ modified: 1 }, [{ index: 1, httpStatus: 409 }]),
    },
    state: stillAlices('a1'),
    control: { method: 'GET', path: '/owned/a1', ...as, status: 200, check: (r) => assert.equal(r.json().v, 'mix') },
  },
  {
    name: 'bulk PATCH filtered on bob\'s _id → matched 0; on alice\'s → matched 1',
    attack: { method: 'PATCH', path: `/owned/*?filter=${q({ _id: 'b1' })}`, ...as, body: { v: 'x' }, status: 200, check: bulk({ matched: 0, modified: 0 }) },
    control: { method: 'PATCH', path: `/owned/*?filter=${q({ _id: 'a1' })}`, ...as, body: { v: 'bulk-patch' }, status: 200, check: bulk({ matched: 1 }) },
  },
  {
    name: 'bulk PATCH pipeline on {"owner":"bob"} → matched 0; on alice\'s → matched 1',
    attack: { method: 'PATCH', path: `/owned/*?filter=${q({ owner: 'bob' })}`, ...as, body: [{ $set: { owner: 'alice' } }], status: 200, check: bulk({ matched: 0 }) },
    control: { method: 'PATCH', path: `/owned/*?filter=${q({ owner: 'alice' })}`, ...as, body: [{ $set: { v: 'pipe' } }], status: 200, check: bulk({ matched: 2 }) },
  },
  {
    name: 'bulk PATCH with a filter matching everyone → only alice\'s documents',
    attack: { method: 'PATCH', path: `/owned/*?filter=${q({ $or: [{ owner: 'bob' }, { owner: { $ne: 'bob' } }] })}`, ...as, body: { v: 'all' }, status: 200, check: bulk({ matched: 2 }) },
    state: bobUntouched,
    control: { method: 'GET', path: '/owned/a1', ...as, status: 200, check: (r) => assert.equal(r.json().v, 'all') },
  },
  {
    name: 'bulk DELETE of bob\'s documents → deleted 0; of alice\'s → deleted 1',
    prepare: [{ method: 'POST', path: '/owned', body: { _id: 'a-del2', owner: 'alice' } }],
    attack: { method: 'DELETE', path: `/owned/*?filter=${q({ _id: { $in: ['b1', 'b2'] } })}`, ...as, status: 200, check: bulk({ deleted: 0 }) },
    control: { method: 'DELETE', path: `/owned/*?filter=${q({ _id: 'a-del2' })}`, ...as, status: 200, check: bulk({ deleted: 1 }) },
  },
];

/** mergeRequest: alice cannot give a document away (or take one) by any form of body. */
const MERGES: Probe[] = [
  ...([
    ['plain field', { owner: 'bob' }],
    ['$set', { $set: { owner: 'bob' } }],
    ['pipeline $set', [{ $set: { owner: 'bob' } }]],
    ['pipeline $addFields', [{ $addFields: { owner: 'bob' } }]],
    ['pipeline $replaceWith', [{ $replaceWith: { _id: 'a1', owner: 'bob' } }]],
    ['pipeline $unset', [{ $unset: 'owner' }]],
    ['$rename onto owner', { $rename: { v: 'owner' } }],
    ['$unset owner', { $unset: { owner: 1 } }],
    ['dotted owner.x', { 'owner.x': 1 }],
  ] as const).map(([how, body]): Probe => ({
    name: `mergeRequest: PATCH alice's document giving it to bob (${how}) → owner stays alice`,
    attack: { method: 'PATCH', path: '/owned/a1', ...as, body, status: [200, 400] },
    state: stillAlices('a1'),
    control: { method: 'GET', path: '/owned/a1', ...as, status: 200 },
  })),
  {
    name: 'mergeRequest: POST a document owned by bob → created as alice\'s',
    attack: { method: 'POST', path: '/owned', ...as, body: { _id: 'gift1', owner: 'bob' }, status: 201 },
    state: stillAlices('gift1'),
    control: { method: 'GET', path: '/owned/gift1', ...as, status: 200 },
  },
  {
    name: 'mergeRequest: bulk POST documents owned by bob → created as alice\'s',
    attack: { method: 'POST', path: '/owned', ...as, body: [{ _id: 'gift2', owner: 'bob' }], status: 200 },
    state: stillAlices('gift2'),
    control: { method: 'GET', path: '/owned/gift2', ...as, status: 200 },
  },
  {
    name: 'mergeRequest: PATCH ?wm=upsert with $setOnInsert owner bob → not bob\'s',
    attack: { method: 'PATCH', path: '/owned/gift3?wm=upsert', ...as, body: { $setOnInsert: { owner: 'bob' } }, status: [201, 400] },
    state: stillAlices('gift3'),
    control: { method: 'PATCH', path: '/owned/gift4?wm=upsert', ...as, body: { v: 1 }, status: 201 },
  },
];

const alicesOnly = ids(['a-new', 'a1', 'gift1', 'gift2', 'gift4']);

/** readFilter: nothing of bob's can be read, counted or matched. */
const READS: Probe[] = [
  {
    name: 'GET bob\'s document → 404; alice\'s → 200',
    attack: { method: 'GET', path: '/owned/b1', ...as, status: 404 },
    control: { method: 'GET', path: '/owned/a1', ...as, status: 200 },
  },
  ...[
    { owner: 'bob' },
    { $or: [{ owner: 'bob' }, { _id: { $exists: true } }] },
    { $expr: { $eq: ['$owner', 'bob'] } },
    { $nor: [{ owner: 'alice' }] },
  ].map((f): Probe => ({
    name: `GET ?filter=${JSON.stringify(f)} → nothing of bob's; no filter → alice's`,
    attack: { method: 'GET', path: `/owned?filter=${q(f)}`, ...as, status: 200, check: (r) => assert.ok((r.json() as any[]).every((d) => d.owner === 'alice'), r.text) },
    control: { method: 'GET', path: '/owned', ...as, status: 200, check: alicesOnly },
  })),
  {
    name: 'two filter parameters cannot widen the readFilter',
    attack: { method: 'GET', path: `/owned?filter=${q({ owner: 'bob' })}&filter=${q({ v: 0 })}`, ...as, status: 200, check: ids([]) },
    control: { method: 'GET', path: `/owned?filter=${q({ owner: 'alice' })}&filter=${q({ _id: 'a1' })}`, ...as, status: 200, check: ids(['a1']) },
  },
  {
    name: '_size counts only alice\'s documents',
    attack: { method: 'GET', path: `/owned/_size?filter=${q({ owner: 'bob' })}`, ...as, status: 200, check: (r) => assert.equal(r.json()._size, 0) },
    control: { method: 'GET', path: '/owned/_size', ...as, status: 200, check: (r) => assert.equal(r.json()._size, 5) },
  },
  {
    name: 'a document URL with a widening filter → 404',
    attack: { method: 'GET', path: `/owned/b1?filter=${q({ $or: [{ _id: 'b1' }, { owner: 'bob' }] })}`, ...as, status: 404 },
    control: { method: 'GET', path: `/owned/a1?filter=${q({ $or: [{ _id: 'a1' }] })}`, ...as, status: 200 },
  },
  {
    name: '$where is refused → 403; a plain filter → 200',
    attack: { method: 'GET', path: `/owned?filter=${q({ $where: 'this.owner == "bob"' })}`, ...as, status: 403 },
    control: { method: 'GET', path: `/owned?filter=${q({ owner: { $exists: true } })}`, ...as, status: 200, check: alicesOnly },
  },
];

describe('adversarial: writeFilter, mergeRequest and readFilter against another user\'s documents', () => {
  probes({ rho: '/mongoAclAuthorizer/cache-ttl->0', setup, watched: ['owned'] }, [...WRITES, ...MERGES, ...READS]);
});
