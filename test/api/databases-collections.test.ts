// Databases and collections (mount `what: "*"`, plus the default mount): API.md §1, §2, §6.1, §7.1, §7.2, §8, §14, §15.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, errorBody, scenarios } from '../helpers/server.ts';
import type { Reply, TestServer } from '../helpers/server.ts';

const ALL_DBS = '/mongo/mongo-mounts->[{"what":"*","where":"/"}]';
const HEX24 = /^[0-9a-f]{24}$/;
const NAMES_LINK = 'see https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions';
const ZERO = '000000000000000000000000';

const etagOf = (r: Reply) => {
  const e = r.headers.get('etag');
  assert.match(e ?? '', HEX24, 'ETag header');
  return e!;
};
const meta = (fields: Record<string, unknown>, etag: string) => ({ _id: '_meta', ...fields, _etag: { $oid: etag } });

describe('databases: PUT, GET, PATCH, DELETE', () => {
  const st: Record<string, string> = {};
  scenarios({ rho: ALL_DBS }, [
    {
      name: 'GET a missing db → 404',
      method: 'GET', path: '/shop', status: 404, expectBody: errorBody(404, 'Not Found', "Db 'shop' does not exist"),
    },
    {
      name: 'PUT a new db → 201 + ETag, empty body',
      method: 'PUT', path: '/shop', body: { descr: 'shop db' }, status: 201, expectBody: '',
      expectHeaders: { 'Content-Type': /^application\/json/ },
      check: (r) => { st.e1 = etagOf(r); },
    },
    {
      name: 'GET the new db → 200 [] with ETag = db _etag',
      method: 'GET', path: '/shop', status: 200, expectBody: [],
      check: (r) => assert.equal(r.headers.get('etag'), st.e1),
    },
    {
      name: 'GET /shop/_meta → the metadata document',
      method: 'GET', path: '/shop/_meta', status: 200,
      check: (r) => assert.deepEqual(r.json(), meta({ descr: 'shop db' }, st.e1!)),
    },
    {
      name: 'PUT the existing db → 200 + new ETag (metadata replaced)',
      method: 'PUT', path: '/shop', body: { owner: 'me' }, status: 200, expectBody: '',
      check: (r) => { st.e2 = etagOf(r); assert.notEqual(st.e2, st.e1); },
    },
    {
      name: '... metadata replaced',
      method: 'GET', path: '/shop/_meta', status: 200,
      check: (r) => assert.deepEqual(r.json(), meta({ owner: 'me' }, st.e2!)),
    },
    {
      name: 'PUT a db with an array body → 400',
      method: 'PUT', path: '/shop', body: [{ a: 1 }], status: 400,
      expectBody: errorBody(400, 'Bad Request', 'data must be a json object'),
    },
    {
      name: 'PATCH without body → 400 no data provided',
      method: 'PATCH', path: '/shop', status: 400, expectBody: errorBody(400, 'Bad Request', 'no data provided'),
    },
    {
      name: 'PATCH merges metadata → 200 + new ETag',
      method: 'PATCH', path: '/shop', body: { descr: 'shop db' }, status: 200, expectBody: '',
      check: (r) => { st.e3 = etagOf(r); assert.notEqual(st.e3, st.e2); },
    },
    {
      name: '... metadata merged',
      method: 'GET', path: '/shop/_meta', status: 200,
      check: (r) => assert.deepEqual(r.json(), meta({ owner: 'me', descr: 'shop db' }, st.e3!)),
    },
    {
      name: 'PATCH a missing db → 404',
      method: 'PATCH', path: '/nodb', body: { a: 1 }, status: 404, expectBody: errorBody(404, 'Not Found', "Db 'nodb' does not exist"),
    },
    {
      name: 'GET /shop/_size → number of collections',
      method: 'GET', path: '/shop/_size', status: 200, expectBody: { _size: 0 },
    },
    {
      name: 'DELETE without If-Match → 409 with message and current ETag',
      method: 'DELETE', path: '/shop', status: 409,
      expectBody: errorBody(409, 'Conflict', "The database's ETag must be provided using the 'If-Match' header."),
      check: (r) => assert.equal(r.headers.get('etag'), st.e3),
    },
    {
      name: 'DELETE with a wrong If-Match → 412, no body, current ETag',
      method: 'DELETE', path: '/shop', headers: { 'If-Match': ZERO }, status: 412, expectBody: '',
      check: (r) => assert.equal(r.headers.get('etag'), st.e3),
    },
    {
      name: 'DELETE with a quoted If-Match never matches → 412',
      method: 'DELETE', path: '/shop', get headers() { return { 'If-Match': `"${st.e3}"` }; }, status: 412,
    },
    {
      name: 'the db survived the refused DELETEs',
      method: 'GET', path: '/shop', status: 200, expectBody: [],
    },
    {
      name: 'DELETE with the right If-Match → 204, empty body',
      method: 'DELETE', path: '/shop', get headers() { return { 'If-Match': st.e3! }; }, status: 204, expectBody: '',
    },
    {
      name: 'GET the deleted db → 404',
      method: 'GET', path: '/shop', status: 404, expectBody: errorBody(404, 'Not Found', "Db 'shop' does not exist"),
    },
    {
      name: 'DELETE a missing db → 404',
      method: 'DELETE', path: '/nodb', status: 404, expectBody: errorBody(404, 'Not Found', "Db 'nodb' does not exist"),
    },
    {
      name: 'GET /nodb/_meta → 404 db',
      method: 'GET', path: '/nodb/_meta', status: 404, expectBody: errorBody(404, 'Not Found', "Db 'nodb' does not exist"),
    },
    {
      name: 'PUT a db without body → 201',
      method: 'PUT', path: '/empty', status: 201, expectBody: '', expectHeaders: { ETag: HEX24 },
    },
    {
      name: '... its _meta holds only _id and _etag',
      method: 'GET', path: '/empty/_meta', status: 200,
      check: (r) => { assert.deepEqual(Object.keys(r.json()).sort(), ['_etag', '_id']); assert.equal(r.json()._id, '_meta'); },
    },
  ]);
});

/** Creates collections directly in the engine (no metadata, and names the API refuses). */
async function rawCollections(srv: TestServer, spec: Record<string, string[]>) {
  for (const [db, colls] of Object.entries(spec)) {
    for (const c of colls) await srv.running.engine.db(db).createCollection(c);
  }
}

describe('databases: listings, _size, _meta, reserved and illegal names', () => {
  scenarios({
    rho: ALL_DBS,
    setup: (srv) => rawCollections(srv, {
      admin: ['x'], config: ['x'], local: ['x'],
      raw: ['b', 'A', 'system.views', 'fs.chunks', 'fs.files', '_schemas'],
    }),
  }, [
    { name: 'PUT /zeta', method: 'PUT', path: '/zeta', status: 201 },
    { name: 'PUT /Mid', method: 'PUT', path: '/Mid', status: 201 },
    { name: 'PUT /alpha', method: 'PUT', path: '/alpha', status: 201 },
    {
      name: 'GET / lists dbs sorted by code point, without admin/config/local (restheart holds users/acl)',
      method: 'GET', path: '/', status: 200, expectBody: ['Mid', 'alpha', 'raw', 'restheart', 'zeta'],
    },
    { name: 'GET / is paginated (page 1)', method: 'GET', path: '/?pagesize=2', status: 200, expectBody: ['Mid', 'alpha'] },
    { name: 'GET / is paginated (page 2)', method: 'GET', path: '/?pagesize=2&page=2', status: 200, expectBody: ['raw', 'restheart'] },
    { name: 'GET / is paginated (page 3)', method: 'GET', path: '/?pagesize=2&page=3', status: 200, expectBody: ['zeta'] },
    {
      name: 'GET /raw lists collections sorted, without system.*, *.chunks, _properties',
      method: 'GET', path: '/raw', status: 200, expectBody: ['A', '_schemas', 'b', 'fs.files'],
    },
    {
      name: 'GET /raw has no ETag (no db metadata)',
      method: 'GET', path: '/raw', status: 200, expectHeaders: { ETag: null },
    },
    { name: 'GET /raw/_size', method: 'GET', path: '/raw/_size', status: 200, expectBody: { _size: 4 } },
    {
      name: 'GET /raw/_meta without db metadata → 404',
      method: 'GET', path: '/raw/_meta', status: 404,
      expectBody: errorBody(404, 'Not Found', 'resource _meta is not defined for this db.'),
    },
    {
      name: 'GET /raw/b/_meta without collection metadata → 404',
      method: 'GET', path: '/raw/b/_meta', status: 404,
      expectBody: errorBody(404, 'Not Found', 'resource _meta is not defined for this collection.'),
    },
    { name: 'PUT /alpha/c1', method: 'PUT', path: '/alpha/c1', status: 201 },
    { name: 'PUT /alpha/B2', method: 'PUT', path: '/alpha/B2', status: 201 },
    {
      name: 'GET /alpha lists its collections sorted, without _properties',
      method: 'GET', path: '/alpha', status: 200, expectBody: ['B2', 'c1'],
    },
    { name: 'GET /alpha/_size', method: 'GET', path: '/alpha/_size', status: 200, expectBody: { _size: 2 } },
    { name: 'GET /alpha?pagesize=1&page=2', method: 'GET', path: '/alpha?pagesize=1&page=2', status: 200, expectBody: ['c1'] },
    // reserved db names
    { name: 'PUT /admin → 403', method: 'PUT', path: '/admin', status: 403, expectBody: errorBody(403, 'Forbidden', 'reserved resource') },
    { name: 'GET /admin → 403', method: 'GET', path: '/admin', status: 403, expectBody: errorBody(403, 'Forbidden', 'reserved resource') },
    { name: 'PUT /Config → 403 (case-insensitive)', method: 'PUT', path: '/Config', status: 403, expectBody: errorBody(403, 'Forbidden', 'reserved resource') },
    { name: 'GET /local/x → 403', method: 'GET', path: '/local/x', status: 403, expectBody: errorBody(403, 'Forbidden', 'reserved resource') },
    // `system.x` contains a `.`, which makes the name illegal (400) before the reserved check
    {
      name: 'PUT /system.x → 400 illegal database name (the `.` is checked first)',
      method: 'PUT', path: '/system.x', status: 400, expectBody: errorBody(400, 'Bad Request', `illegal database name, ${NAMES_LINK}`),
    },
    // illegal db names
    {
      name: 'db name with . → 400', method: 'PUT', path: '/my.db', status: 400,
      expectBody: errorBody(400, 'Bad Request', `illegal database name, ${NAMES_LINK}`),
    },
    {
      name: 'db name with $ → 400', method: 'PUT', path: '/my$db', status: 400,
      expectBody: errorBody(400, 'Bad Request', `illegal database name, ${NAMES_LINK}`),
    },
    {
      name: 'db name with a space → 400', method: 'PUT', path: '/my%20db', status: 400,
      expectBody: errorBody(400, 'Bad Request', `illegal database name, ${NAMES_LINK}`),
    },
    {
      name: 'db name with a double quote → 400', method: 'GET', path: '/my%22db', status: 400,
      expectBody: errorBody(400, 'Bad Request', `illegal database name, ${NAMES_LINK}`),
    },
    {
      name: 'db name of 65 chars → 400', method: 'PUT', path: `/${'a'.repeat(65)}`, status: 400,
      expectBody: errorBody(400, 'Bad Request', `illegal database name, ${NAMES_LINK}`),
    },
    { name: 'db name of 64 chars → 201', method: 'PUT', path: `/${'a'.repeat(64)}`, status: 201 },
    {
      name: 'the refused names were not created',
      method: 'GET', path: '/', status: 200, expectBody: ['Mid', 'a'.repeat(64), 'alpha', 'raw', 'restheart', 'zeta'],
    },
    // methods
    { name: 'HEAD on a db → 405', method: 'HEAD', path: '/alpha', status: 405 },
    {
      name: 'POST on a db → 405', method: 'POST', path: '/alpha', body: { a: 1 }, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method POST not allowed'),
    },
    {
      name: 'POST on /db/_size → 405', method: 'POST', path: '/alpha/_size', body: { a: 1 }, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method POST not allowed'),
    },
    {
      name: 'PUT on / (root) → 405', method: 'PUT', path: '/', body: { a: 1 }, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method PUT not allowed'),
    },
    {
      name: 'DELETE on /db/_meta → 405', method: 'DELETE', path: '/alpha/_meta', status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method DELETE not allowed'),
    },
    {
      name: 'DELETE a db without metadata needs no If-Match → 204',
      method: 'DELETE', path: '/raw', status: 204, expectBody: '',
    },
    { name: '... it is gone', method: 'GET', path: '/raw', status: 404, expectBody: errorBody(404, 'Not Found', "Db 'raw' does not exist") },
  ]);
});

describe('collections: PUT, GET, PATCH, DELETE, _meta, _size', () => {
  const st: Record<string, string> = {};
  scenarios({ rho: ALL_DBS }, [
    { name: 'PUT /shop', method: 'PUT', path: '/shop', status: 201 },
    {
      name: 'PUT a collection in a missing db → 404 db',
      method: 'PUT', path: '/nodb/orders', status: 404, expectBody: errorBody(404, 'Not Found', "Db 'nodb' does not exist"),
    },
    {
      name: 'GET a missing collection → 404',
      method: 'GET', path: '/shop/orders', status: 404, expectBody: errorBody(404, 'Not Found', "Collection 'orders' does not exist"),
    },
    {
      name: 'PUT a new collection → 201 + ETag, empty body',
      method: 'PUT', path: '/shop/orders', body: { descr: 'orders' }, status: 201, expectBody: '',
      check: (r) => { st.e1 = etagOf(r); },
    },
    {
      name: 'GET the collection → 200 [] with ETag = collection _etag',
      method: 'GET', path: '/shop/orders', status: 200, expectBody: [],
      check: (r) => assert.equal(r.headers.get('etag'), st.e1),
    },
    {
      name: 'GET /shop/orders/_meta',
      method: 'GET', path: '/shop/orders/_meta', status: 200,
      check: (r) => assert.deepEqual(r.json(), meta({ descr: 'orders' }, st.e1!)),
    },
    {
      name: 'PUT the existing collection → 200 + new ETag',
      method: 'PUT', path: '/shop/orders', body: { other: 1 }, status: 200, expectBody: '',
      check: (r) => { st.e2 = etagOf(r); assert.notEqual(st.e2, st.e1); },
    },
    {
      name: '... metadata replaced',
      method: 'GET', path: '/shop/orders/_meta', status: 200,
      check: (r) => assert.deepEqual(r.json(), meta({ other: 1 }, st.e2!)),
    },
    {
      name: 'PATCH the collection → 200 + new ETag',
      method: 'PATCH', path: '/shop/orders', body: { descr: 'orders v2' }, status: 200, expectBody: '',
      check: (r) => { st.e3 = etagOf(r); assert.notEqual(st.e3, st.e2); },
    },
    {
      name: '... metadata merged',
      method: 'GET', path: '/shop/orders/_meta', status: 200,
      check: (r) => assert.deepEqual(r.json(), meta({ other: 1, descr: 'orders v2' }, st.e3!)),
    },
    {
      name: 'PATCH a collection without body → 400 no data provided',
      method: 'PATCH', path: '/shop/orders', status: 400, expectBody: errorBody(400, 'Bad Request', 'no data provided'),
    },
    {
      name: 'PATCH a missing collection → 404',
      method: 'PATCH', path: '/shop/missing', body: { a: 1 }, status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'missing' does not exist"),
    },
    {
      name: 'POST into a missing collection → 404',
      method: 'POST', path: '/shop/missing', body: { a: 1 }, status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'missing' does not exist"),
    },
    {
      name: 'PUT ?wm=upsert of a document in a missing collection → 404',
      method: 'PUT', path: '/shop/missing/d1?wm=upsert', body: { a: 1 }, status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'missing' does not exist"),
    },
    {
      name: 'bulk POST into a missing collection → 404',
      method: 'POST', path: '/shop/missing', body: [{ a: 1 }], status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'missing' does not exist"),
    },
    {
      name: 'the missing collection was not auto-created',
      method: 'GET', path: '/shop', status: 200, expectBody: ['orders'],
    },
    { name: 'POST doc 1', method: 'POST', path: '/shop/orders', body: { status: 'A' }, status: 201 },
    { name: 'POST doc 2', method: 'POST', path: '/shop/orders', body: { status: 'A' }, status: 201 },
    { name: 'POST doc 3', method: 'POST', path: '/shop/orders', body: { status: 'D' }, status: 201 },
    { name: 'GET /shop/orders/_size', method: 'GET', path: '/shop/orders/_size', status: 200, expectBody: { _size: 3 } },
    {
      name: 'GET /shop/orders/_size with a filter',
      method: 'GET', path: `/shop/orders/_size?filter=${encodeURIComponent('{"status":"A"}')}`, status: 200, expectBody: { _size: 2 },
    },
    {
      name: 'GET /shop/orders/_size with a bad filter → 400',
      method: 'GET', path: '/shop/orders/_size?filter=', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'illegal filter parameter (empty)'),
    },
    { name: 'GET /shop/_size', method: 'GET', path: '/shop/_size', status: 200, expectBody: { _size: 1 } },
    {
      name: 'GET /shop/orders/_size on a missing collection → 404',
      method: 'GET', path: '/shop/missing/_size', status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'missing' does not exist"),
    },
    {
      name: 'POST on _size → 405', method: 'POST', path: '/shop/orders/_size', body: { a: 1 }, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method POST not allowed'),
    },
    {
      name: 'PUT on _meta → 405', method: 'PUT', path: '/shop/orders/_meta', body: { a: 1 }, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method PUT not allowed'),
    },
    { name: 'HEAD on a collection → 405', method: 'HEAD', path: '/shop/orders', status: 405 },
    {
      name: 'DELETE without If-Match → 409 with message and current ETag',
      method: 'DELETE', path: '/shop/orders', status: 409,
      expectBody: errorBody(409, 'Conflict', "The collection's ETag must be provided using the 'If-Match' header."),
      check: (r) => assert.equal(r.headers.get('etag'), st.e3),
    },
    {
      name: 'DELETE with a wrong If-Match → 412, no body, current ETag',
      method: 'DELETE', path: '/shop/orders', headers: { 'If-Match': ZERO }, status: 412, expectBody: '',
      check: (r) => assert.equal(r.headers.get('etag'), st.e3),
    },
    { name: 'the collection survived', method: 'GET', path: '/shop/orders/_size', status: 200, expectBody: { _size: 3 } },
    {
      name: 'DELETE with the right If-Match → 204',
      method: 'DELETE', path: '/shop/orders', get headers() { return { 'If-Match': st.e3! }; }, status: 204, expectBody: '',
    },
    {
      name: 'GET the deleted collection → 404',
      method: 'GET', path: '/shop/orders', status: 404, expectBody: errorBody(404, 'Not Found', "Collection 'orders' does not exist"),
    },
    {
      name: 'its metadata was deleted too: re-creating it → 201 with fresh metadata',
      method: 'PUT', path: '/shop/orders', status: 201,
    },
    {
      name: '... and no old documents or metadata',
      method: 'GET', path: '/shop/orders/_meta', status: 200,
      check: (r) => assert.deepEqual(Object.keys(r.json()).sort(), ['_etag', '_id']),
    },
    { name: '... _size 0', method: 'GET', path: '/shop/orders/_size', status: 200, expectBody: { _size: 0 } },
    // etagPolicy REQUIRED on a collection: PUT/PATCH need If-Match too
    {
      name: 'collection with etagPolicy REQUIRED', method: 'PUT', path: '/shop/strict', body: { etagPolicy: 'REQUIRED' }, status: 201,
      check: (r) => { st.s1 = etagOf(r); },
    },
    {
      name: 'etagPolicy REQUIRED: PATCH without If-Match → 409', method: 'PATCH', path: '/shop/strict', body: { a: 1 }, status: 409,
      expectBody: errorBody(409, 'Conflict', "The collection's ETag must be provided using the 'If-Match' header."),
    },
    {
      name: 'etagPolicy REQUIRED: PATCH with If-Match → 200', method: 'PATCH', path: '/shop/strict',
      get headers() { return { 'If-Match': st.s1! }; }, body: { a: 1 }, status: 200,
    },
    // reserved and illegal collection names
    {
      name: 'collection system.x → 403', method: 'PUT', path: '/shop/system.x', status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
    {
      name: 'collection x.chunks → 403', method: 'PUT', path: '/shop/x.chunks', status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
    {
      name: 'collection _properties → 403 (PUT)', method: 'PUT', path: '/shop/_properties', status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
    {
      name: 'collection _properties → 403 (GET)', method: 'GET', path: '/shop/_properties', status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
    {
      name: 'collection name with $ → 400', method: 'PUT', path: '/shop/a$b', status: 400,
      expectBody: errorBody(400, 'Bad Request', `illegal collection name, ${NAMES_LINK}`),
    },
    {
      name: 'none of the refused collections exists',
      method: 'GET', path: '/shop', status: 200, expectBody: ['orders', 'strict'],
    },
  ]);
});

describe('default mount: / is db restheart', () => {
  scenarios({
    setup: async (srv) => {
      const r = await call(srv, 'PUT', '/');
      assert.ok(r.status === 201 || r.status === 200, `PUT / → ${r.status} ${r.text}`);
    },
  }, [
    { name: 'PUT /beta creates a collection', method: 'PUT', path: '/beta', status: 201, expectHeaders: { ETag: HEX24 } },
    { name: 'PUT /alpha creates a collection', method: 'PUT', path: '/alpha', status: 201 },
    // `users` and `acl` are created in `restheart` at startup (SECURITY.md §5, §6)
    {
      name: 'GET / lists the collections of restheart, sorted',
      method: 'GET', path: '/', status: 200, expectBody: ['acl', 'alpha', 'beta', 'users'],
    },
    { name: 'GET /_size counts them', method: 'GET', path: '/_size', status: 200, expectBody: { _size: 4 } },
    {
      name: 'GET /_meta is the metadata of restheart',
      method: 'GET', path: '/_meta', status: 200,
      check: (r) => { assert.equal(r.json()._id, '_meta'); assert.match(r.json()._etag?.$oid ?? '', HEX24); },
    },
    { name: 'GET /beta → []', method: 'GET', path: '/beta', status: 200, expectBody: [] },
    {
      name: 'GET /gamma → 404 collection', method: 'GET', path: '/gamma', status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'gamma' does not exist"),
    },
    {
      name: 'POST /gamma → 404 (never auto-created)', method: 'POST', path: '/gamma', body: { a: 1 }, status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'gamma' does not exist"),
    },
    {
      name: 'POST /_size → 405', method: 'POST', path: '/_size', body: { a: 1 }, status: 405,
      expectBody: errorBody(405, 'Method Not Allowed', 'method POST not allowed'),
    },
    {
      name: 'collection _properties → 403', method: 'GET', path: '/_properties', status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
  ]);
});
