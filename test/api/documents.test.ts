// Documents on the default mount (`/` = db `restheart`): API.md §5, §7.3–§7.5, §8, §14, §15.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, errorBody, scenarios } from '../helpers/server.ts';
import type { Reply, TestServer } from '../helpers/server.ts';

const HEX24 = /^[0-9a-f]{24}$/;
const DUP_KEY = 'Duplicate key error (insert with existing _id, update a document not matching specified filter or unique index violation)';
const OPERATORS_ON_POST_PUT = 'update operators (but $currentDate) cannot be used on POST and PUT requests';

/** Default-mount setup: db `restheart` (PUT /) and the given collections (PUT /<coll> with metadata). */
function setupColls(colls: Record<string, unknown>, onStart?: (srv: TestServer) => void) {
  return async (srv: TestServer) => {
    onStart?.(srv);
    const db = await call(srv, 'PUT', '/');
    assert.ok(db.status === 201 || db.status === 200, `PUT / → ${db.status} ${db.text}`);
    for (const [name, meta] of Object.entries(colls)) {
      const r = await call(srv, 'PUT', `/${name}`, meta === undefined ? {} : { body: meta });
      assert.equal(r.status, 201, `PUT /${name} → ${r.status} ${r.text}`);
    }
  };
}

const etagOf = (r: Reply) => {
  const e = r.headers.get('etag');
  assert.match(e ?? '', HEX24, 'ETag header');
  return e!;
};

const isDateNearNow = (v: any, what: string) => {
  assert.equal(typeof v?.$date, 'number', `${what} must be a date in default output: ${JSON.stringify(v)}`);
  assert.ok(Math.abs(v.$date - Date.now()) < 60_000, `${what} must be the server time: ${v.$date}`);
};

describe('documents: POST, GET, conditional GET, 404s', () => {
  let base = '';
  const st: Record<string, string> = {};
  scenarios({ setup: setupColls({ inv: undefined }, (srv) => { base = srv.url; }) }, [
    {
      name: 'POST a document → 201, absolute Location with the new ObjectId, ETag, empty body',
      method: 'POST', path: '/inv', body: { item: 'rubber', qty: 15, status: 'A' },
      status: 201, expectBody: '',
      expectHeaders: { Location: /^http:\/\/127\.0\.0\.1:\d+\/inv\/[0-9a-f]{24}$/, ETag: HEX24, 'Content-Type': /^application\/json/ },
      check: (r) => {
        const loc = r.headers.get('location')!;
        assert.ok(loc.startsWith(`${base}/inv/`), `Location ${loc} must start with ${base}/inv/`);
        st.id = loc.slice(`${base}/inv/`.length);
        st.etag = etagOf(r);
        assert.notEqual(st.id, st.etag);
      },
    },
    {
      name: 'GET the document → 200, ETag = _etag, body with the ObjectId _id',
      method: 'GET', get path() { return `/inv/${st.id}`; }, status: 200,
      expectHeaders: { 'Content-Type': 'application/json; charset=UTF-8' },
      check: (r) => {
        assert.equal(r.headers.get('etag'), st.etag);
        assert.deepEqual(r.json(), { _id: { $oid: st.id }, item: 'rubber', qty: 15, status: 'A', _etag: { $oid: st.etag } });
      },
    },
    {
      name: 'GET with If-None-Match = current etag → 304, no body',
      method: 'GET', get path() { return `/inv/${st.id}`; }, get headers() { return { 'If-None-Match': st.etag! }; },
      status: 304, expectBody: '',
    },
    {
      name: 'GET with a stale If-None-Match → 200',
      method: 'GET', get path() { return `/inv/${st.id}`; }, headers: { 'If-None-Match': '000000000000000000000000' },
      status: 200, expectBodyPartial: { item: 'rubber' },
    },
    {
      name: 'GET a missing string id → 404, id single-quoted',
      method: 'GET', path: '/inv/nope', status: 404,
      expectBody: errorBody(404, 'Not Found', "document 'nope' does not exist"),
    },
    {
      name: 'GET a missing ObjectId → 404, bare hex id',
      method: 'GET', path: '/inv/5d0b3ad2c2e6ea0a3c0ee000', status: 404,
      expectBody: errorBody(404, 'Not Found', 'document 5d0b3ad2c2e6ea0a3c0ee000 does not exist'),
    },
    {
      name: 'GET a document of a missing collection → 404 collection',
      method: 'GET', path: '/nocoll/x', status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'nocoll' does not exist"),
    },
    {
      name: 'POST into a missing collection → 404 (never auto-created)',
      method: 'POST', path: '/nocoll', body: { a: 1 }, status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'nocoll' does not exist"),
    },
    {
      name: 'DELETE the document → 204, empty body',
      method: 'DELETE', get path() { return `/inv/${st.id}`; }, status: 204, expectBody: '',
    },
    {
      name: 'DELETE it again → 404, empty body',
      method: 'DELETE', get path() { return `/inv/${st.id}`; }, status: 404, expectBody: '',
    },
    {
      name: 'GET after DELETE → 404',
      method: 'GET', get path() { return `/inv/${st.id}`; }, status: 404,
      get expectBody() { return errorBody(404, 'Not Found', `document ${st.id} does not exist`); },
    },
  ]);
});

describe('documents: PUT and write modes', () => {
  const st: Record<string, string> = {};
  scenarios({ setup: setupColls({ inv: undefined }) }, [
    {
      name: 'PUT a missing document (default wm=update) → 404, empty body',
      method: 'PUT', path: '/inv/pencil', body: { qty: 55 }, status: 404, expectBody: '',
    },
    {
      name: '... and nothing was created',
      method: 'GET', path: '/inv/pencil', status: 404,
      expectBody: errorBody(404, 'Not Found', "document 'pencil' does not exist"),
    },
    {
      name: 'PUT ?wm=upsert on a missing document → 201 + ETag',
      method: 'PUT', path: '/inv/pencil?wm=upsert', body: { qty: 55, color: 'red' }, status: 201, expectBody: '',
      expectHeaders: { ETag: HEX24 },
    },
    {
      name: 'PUT ?wm=upsert on the existing document → 200',
      method: 'PUT', path: '/inv/pencil?wm=upsert', body: { qty: 56, color: 'red' }, status: 200, expectBody: '',
      expectHeaders: { ETag: HEX24 },
    },
    {
      name: 'PUT (wm=update) replaces the document → 200 + ETag',
      method: 'PUT', path: '/inv/pencil', body: { qty: 60 }, status: 200, expectBody: '',
      check: (r) => { st.etag = etagOf(r); },
    },
    {
      name: 'the replacement removed the fields not sent and carries the new _etag',
      method: 'GET', path: '/inv/pencil', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'pencil', qty: 60, _etag: { $oid: st.etag } }),
    },
    {
      name: 'PUT with a matching body _id → 200',
      method: 'PUT', path: '/inv/pencil', body: { _id: 'pencil', qty: 61 }, status: 200,
    },
    {
      name: 'PUT with a body _id different from the URL id → 400',
      method: 'PUT', path: '/inv/pencil', body: { _id: 'other', qty: 1 }, status: 400,
      expectBody: errorBody(400, 'Bad Request', '_id in content body is different than id in URL'),
    },
    {
      name: 'PUT with $set → 400 update operators',
      method: 'PUT', path: '/inv/pencil', body: { $set: { qty: 1 } }, status: 400,
      expectBody: errorBody(400, 'Bad Request', OPERATORS_ON_POST_PUT),
    },
    {
      name: 'the rejected PUTs did not change the document',
      method: 'GET', path: '/inv/pencil', status: 200,
      check: (r) => { const { _etag, ...rest } = r.json(); assert.deepEqual(rest, { _id: 'pencil', qty: 61 }); },
    },
    {
      name: 'PUT ?wm=insert on a missing document → 201',
      method: 'PUT', path: '/inv/pen?wm=insert', body: { qty: 1 }, status: 201, expectBody: '',
    },
    {
      name: 'PUT ?wm=insert on an existing document → 409 duplicate key',
      method: 'PUT', path: '/inv/pen?wm=insert', body: { qty: 2 }, status: 409,
      expectBodyPartial: { 'http status code': 409, 'http status description': 'Conflict', message: DUP_KEY },
    },
    {
      name: 'the 409 did not change the document',
      method: 'GET', path: '/inv/pen', status: 200, expectBodyPartial: { _id: 'pen', qty: 1 },
    },
    {
      name: 'PUT with an empty body → 200, document reduced to _id/_etag',
      method: 'PUT', path: '/inv/pen', status: 200,
    },
    {
      name: '... GET shows only _id and _etag',
      method: 'GET', path: '/inv/pen', status: 200,
      check: (r) => assert.deepEqual(Object.keys(r.json()).sort(), ['_etag', '_id']),
    },
    // POST write modes
    {
      name: 'POST ?wm=update without _id → 400, empty body',
      method: 'POST', path: '/inv?wm=update', body: { a: 1 }, status: 400, expectBody: '',
    },
    {
      name: 'POST ?wm=update with the _id of a missing document → 404',
      method: 'POST', path: '/inv?wm=update', body: { _id: 'ghost', a: 1 }, status: 404,
    },
    {
      name: 'POST ?wm=upsert with a new _id → 201',
      method: 'POST', path: '/inv?wm=upsert', body: { _id: 'up1', v: 1 }, status: 201, expectBody: '',
    },
    {
      name: 'POST ?wm=upsert with an existing _id → 200 (replaced)',
      method: 'POST', path: '/inv?wm=upsert', body: { _id: 'up1', w: 2 }, status: 200, expectBody: '',
    },
    {
      name: '... the upsert replaced the document',
      method: 'GET', path: '/inv/up1', status: 200,
      check: (r) => { const { _etag, ...rest } = r.json(); assert.deepEqual(rest, { _id: 'up1', w: 2 }); },
    },
    {
      name: 'POST ?wm=update with the existing _id → 200',
      method: 'POST', path: '/inv?wm=update', body: { _id: 'up1', w: 3 }, status: 200,
    },
    {
      name: 'POST ?wm=upsert without _id → 201 (insert)',
      method: 'POST', path: '/inv?wm=upsert', body: { v: 9 }, status: 201,
      expectHeaders: { Location: /\/inv\/[0-9a-f]{24}$/ },
    },
    {
      name: 'POST with $set → 400 update operators',
      method: 'POST', path: '/inv', body: { _id: 'bad', $set: { a: 1 } }, status: 400,
      expectBody: errorBody(400, 'Bad Request', OPERATORS_ON_POST_PUT),
    },
    {
      name: '... and nothing was inserted',
      method: 'GET', path: '/inv/bad', status: 404,
    },
    {
      name: 'POST with $currentDate → 201 (resolved to the server time)',
      method: 'POST', path: '/inv', body: { _id: 'cd', $currentDate: { ts: true, tsx: { $type: 'timestamp' }, d: { $type: 'date' } } },
      status: 201,
    },
    {
      name: '... ts/d are dates, tsx a timestamp, no $currentDate key stored',
      method: 'GET', path: '/inv/cd', status: 200,
      check: (r) => {
        const doc = r.json();
        assert.deepEqual(Object.keys(doc).sort(), ['_etag', '_id', 'd', 'ts', 'tsx']);
        isDateNearNow(doc.ts, 'ts');
        isDateNearNow(doc.d, 'd');
        assert.equal(typeof doc.tsx?.$timestamp?.t, 'number', JSON.stringify(doc.tsx));
        assert.ok(Math.abs(doc.tsx.$timestamp.t - Date.now() / 1000) < 60);
      },
    },
    {
      name: 'POST with dotted keys → 201',
      method: 'POST', path: '/inv', body: { _id: 'dot', 'a.b': 1, 'a.c': 2, 'x.y.z': 'deep' }, status: 201,
    },
    {
      name: '... dotted keys were unflattened',
      method: 'GET', path: '/inv/dot', status: 200,
      check: (r) => { const { _etag, ...rest } = r.json(); assert.deepEqual(rest, { _id: 'dot', a: { b: 1, c: 2 }, x: { y: { z: 'deep' } } }); },
    },
    {
      name: 'POST a duplicate _id → 409 duplicate key',
      method: 'POST', path: '/inv', body: { _id: 'dot', other: true }, status: 409,
      expectBodyPartial: { 'http status code': 409, 'http status description': 'Conflict', message: DUP_KEY },
    },
    {
      name: '... the original document is untouched',
      method: 'GET', path: '/inv/dot', status: 200,
      check: (r) => assert.equal(r.json().other, undefined),
    },
  ]);
});

describe('documents: PATCH', () => {
  const st: Record<string, string> = {};
  scenarios({ setup: setupColls({ inv: undefined }) }, [
    {
      name: 'seed: PUT ?wm=upsert pencil',
      method: 'PUT', path: '/inv/pencil?wm=upsert', body: { qty: 55, tags: ['a', 'b'] }, status: 201,
    },
    {
      name: 'PATCH with plain and dotted keys → 200 + ETag, empty body',
      method: 'PATCH', path: '/inv/pencil', body: { 'size.h': 10, color: 'red' }, status: 200, expectBody: '',
      check: (r) => { st.etag = etagOf(r); },
    },
    {
      name: 'PATCH a dotted array index',
      method: 'PATCH', path: '/inv/pencil', body: { 'tags.1': 'x' }, status: 200,
      check: (r) => { const e = etagOf(r); assert.notEqual(e, st.etag, 'every write gets a new _etag'); st.etag = e; },
    },
    {
      name: '... plain keys were merged ($set), dotted keys set nested fields',
      method: 'GET', path: '/inv/pencil', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'pencil', qty: 55, tags: ['a', 'x'], size: { h: 10 }, color: 'red', _etag: { $oid: st.etag } }),
    },
    {
      name: 'PATCH with operators $inc, $push, $unset, $currentDate',
      method: 'PATCH', path: '/inv/pencil',
      body: { $inc: { qty: 1 }, $push: { tags: 'c' }, $unset: { size: '' }, $currentDate: { when: true } }, status: 200,
    },
    {
      name: '... operators applied',
      method: 'GET', path: '/inv/pencil', status: 200,
      check: (r) => {
        const { _etag, when, ...rest } = r.json();
        assert.deepEqual(rest, { _id: 'pencil', qty: 56, tags: ['a', 'x', 'c'], color: 'red' });
        isDateNearNow(when, 'when');
      },
    },
    {
      name: 'PATCH mixing operators and plain keys',
      method: 'PATCH', path: '/inv/pencil', body: { $inc: { qty: 1 }, note: 'hi', 'dim.w': 3 }, status: 200,
    },
    {
      name: '... both applied',
      method: 'GET', path: '/inv/pencil', status: 200,
      expectBodyPartial: { qty: 57, note: 'hi', dim: { w: 3 } },
    },
    {
      name: 'PATCH with an aggregation-pipeline array body',
      method: 'PATCH', path: '/inv/pencil', body: [{ $set: { total: { $add: ['$qty', 1] } } }, { $unset: 'note' }], status: 200,
    },
    {
      name: '... pipeline applied',
      method: 'GET', path: '/inv/pencil', status: 200,
      check: (r) => { const d = r.json(); assert.equal(d.total, 58); assert.equal('note' in d, false); },
    },
    {
      name: 'PATCH without body → 400 no data provided',
      method: 'PATCH', path: '/inv/pencil', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'no data provided'),
    },
    {
      name: 'PATCH with {} → 400 no data provided',
      method: 'PATCH', path: '/inv/pencil', body: {}, status: 400,
      expectBody: errorBody(400, 'Bad Request', 'no data provided'),
    },
    {
      name: 'PATCH with a body _id different from the URL id → 400',
      method: 'PATCH', path: '/inv/pencil', body: { _id: 'other', a: 1 }, status: 400,
      expectBody: errorBody(400, 'Bad Request', '_id in json data cannot be different than id in URL'),
    },
    {
      name: 'PATCH a missing document (wm=update) → 404, empty body',
      method: 'PATCH', path: '/inv/ghost', body: { a: 1 }, status: 404, expectBody: '',
    },
    {
      name: '... nothing created',
      method: 'GET', path: '/inv/ghost', status: 404,
    },
    {
      name: 'PATCH ?wm=upsert on a missing document → 201',
      method: 'PATCH', path: '/inv/ghost?wm=upsert', body: { a: 1 }, status: 201,
    },
    {
      name: 'PATCH ?wm=upsert on the existing document → 200',
      method: 'PATCH', path: '/inv/ghost?wm=upsert', body: { b: 2 }, status: 200,
    },
    {
      name: '... upsert merged',
      method: 'GET', path: '/inv/ghost', status: 200, expectBodyPartial: { _id: 'ghost', a: 1, b: 2 },
    },
    {
      name: 'PATCH ?wm=insert on an existing document → 409',
      method: 'PATCH', path: '/inv/ghost?wm=insert', body: { c: 3 }, status: 409,
      expectBodyPartial: { 'http status code': 409, message: DUP_KEY },
    },
  ]);
});

describe('documents: ETags and If-Match', () => {
  const st: Record<string, string> = {};
  scenarios({ setup: setupColls({ inv: undefined, strict: { etagDocPolicy: 'REQUIRED' } }) }, [
    {
      name: 'seed: PUT ?wm=upsert et',
      method: 'PUT', path: '/inv/et?wm=upsert', body: { v: 1 }, status: 201,
      check: (r) => { st.e1 = etagOf(r); },
    },
    {
      name: 'PATCH with the right If-Match → 200, new ETag',
      method: 'PATCH', path: '/inv/et', get headers() { return { 'If-Match': st.e1! }; }, body: { v: 2 }, status: 200,
      check: (r) => { st.e2 = etagOf(r); assert.notEqual(st.e2, st.e1); },
    },
    {
      name: 'PATCH with a stale If-Match → 412, no body, current ETag',
      method: 'PATCH', path: '/inv/et', get headers() { return { 'If-Match': st.e1! }; }, body: { v: 3 }, status: 412,
      expectBody: '', check: (r) => assert.equal(r.headers.get('etag'), st.e2),
    },
    {
      name: 'PUT with a quoted (otherwise right) If-Match → 412',
      method: 'PUT', path: '/inv/et', get headers() { return { 'If-Match': `"${st.e2}"` }; }, body: { v: 3 }, status: 412,
    },
    {
      name: 'the 412 writes were rolled back',
      method: 'GET', path: '/inv/et', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'et', v: 2, _etag: { $oid: st.e2 } }),
    },
    {
      name: '?checkEtag without If-Match → 409 with message and current ETag',
      method: 'PATCH', path: '/inv/et?checkEtag', body: { v: 4 }, status: 409,
      expectBody: errorBody(409, 'Conflict', "The document's ETag must be provided using the 'If-Match' header"),
      check: (r) => assert.equal(r.headers.get('etag'), st.e2),
    },
    {
      name: 'PUT with the right If-Match → 200',
      method: 'PUT', path: '/inv/et', get headers() { return { 'If-Match': st.e2! }; }, body: { v: 5 }, status: 200,
      check: (r) => { st.e3 = etagOf(r); },
    },
    {
      name: 'DELETE with a wrong If-Match → 412',
      method: 'DELETE', path: '/inv/et', headers: { 'If-Match': '000000000000000000000000' }, status: 412, expectBody: '',
    },
    {
      name: 'DELETE with the right If-Match → 204',
      method: 'DELETE', path: '/inv/et', get headers() { return { 'If-Match': st.e3! }; }, status: 204, expectBody: '',
    },
    // etagDocPolicy REQUIRED in the collection metadata
    {
      name: 'policy REQUIRED: POST of a new document → 201 (no existing target, no check)',
      method: 'POST', path: '/strict', body: { _id: 'd1', v: 1 }, status: 201,
      check: (r) => { st.s1 = etagOf(r); },
    },
    {
      name: 'policy REQUIRED: PATCH without If-Match → 409',
      method: 'PATCH', path: '/strict/d1', body: { v: 2 }, status: 409,
      expectBody: errorBody(409, 'Conflict', "The document's ETag must be provided using the 'If-Match' header"),
      check: (r) => assert.equal(r.headers.get('etag'), st.s1),
    },
    {
      name: 'policy REQUIRED: PUT without If-Match → 409',
      method: 'PUT', path: '/strict/d1', body: { v: 2 }, status: 409,
      expectBody: errorBody(409, 'Conflict', "The document's ETag must be provided using the 'If-Match' header"),
    },
    {
      name: 'policy REQUIRED: DELETE without If-Match → 409',
      method: 'DELETE', path: '/strict/d1', status: 409,
      expectBody: errorBody(409, 'Conflict', "The document's ETag must be provided using the 'If-Match' header"),
    },
    {
      name: 'policy REQUIRED: the document is unchanged',
      method: 'GET', path: '/strict/d1', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'd1', v: 1, _etag: { $oid: st.s1 } }),
    },
    {
      name: 'policy REQUIRED: PATCH with the right If-Match → 200',
      method: 'PATCH', path: '/strict/d1', get headers() { return { 'If-Match': st.s1! }; }, body: { v: 2 }, status: 200,
    },
    {
      name: 'policy REQUIRED: a document that does not exist yet can be upserted without If-Match',
      method: 'PUT', path: '/strict/d2?wm=upsert', body: { v: 1 }, status: 201,
    },
  ]);
});

describe('documents: id types in the URL', () => {
  scenarios({ setup: setupColls({ ids: undefined }) }, [
    { name: '/ids/1 is the string "1"', method: 'PUT', path: '/ids/1?wm=upsert', body: { v: 'string' }, status: 201 },
    { name: '?id_type=NUMBER makes 1 a number (a different document)', method: 'PUT', path: '/ids/1?id_type=NUMBER&wm=upsert', body: { v: 'number' }, status: 201 },
    {
      name: 'GET /ids/1 → the string id',
      method: 'GET', path: '/ids/1', status: 200, expectBodyPartial: { _id: '1', v: 'string' },
    },
    {
      name: 'GET /ids/1?id_type=NUMBER → the number id',
      method: 'GET', path: '/ids/1?id_type=NUMBER', status: 200, expectBodyPartial: { _id: 1, v: 'number' },
    },
    {
      name: 'id_type is case-insensitive',
      method: 'GET', path: '/ids/1?id_type=number', status: 200, expectBodyPartial: { _id: 1, v: 'number' },
    },
    { name: '?id_type=DATE: epoch millis', method: 'PUT', path: '/ids/1000?id_type=DATE&wm=upsert', body: { v: 'date' }, status: 201 },
    {
      name: 'GET ?id_type=DATE → Date _id',
      method: 'GET', path: '/ids/1000?id_type=DATE', status: 200, expectBodyPartial: { _id: { $date: 1000 }, v: 'date' },
    },
    {
      name: 'a 24-hex segment with ?id_type=STRING stays a string',
      method: 'PUT', path: '/ids/54f77f0fc2e6ea386c0752a5?id_type=STRING&wm=upsert', body: { v: 'hexstring' }, status: 201,
    },
    {
      name: 'GET it with ?id_type=STRING → string _id',
      method: 'GET', path: '/ids/54f77f0fc2e6ea386c0752a5?id_type=STRING', status: 200,
      expectBodyPartial: { _id: '54f77f0fc2e6ea386c0752a5', v: 'hexstring' },
    },
    {
      name: 'without id_type the 24-hex segment is an ObjectId → not found',
      method: 'GET', path: '/ids/54f77f0fc2e6ea386c0752a5', status: 404,
      expectBody: errorBody(404, 'Not Found', 'document 54f77f0fc2e6ea386c0752a5 does not exist'),
    },
    {
      name: '?id_type=OID with a non-ObjectId → 400',
      method: 'GET', path: '/ids/abc?id_type=OID', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'wrong document id format: not a valid ObjectId'),
    },
    {
      name: 'an unknown id_type → 400 with the list of valid values',
      method: 'GET', path: '/ids/abc?id_type=FOO', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'illegal id_type parameter; must be [OID, STRING_OID, STRING, NUMBER, DATE, MINKEY, MAXKEY, NULL, BOOLEAN]'),
    },
    { name: '_null id', method: 'PUT', path: '/ids/_null?wm=upsert', body: { v: 'null' }, status: 201 },
    { name: '_true id', method: 'PUT', path: '/ids/_true?wm=upsert', body: { v: 'true' }, status: 201 },
    { name: '_false id', method: 'PUT', path: '/ids/_false?wm=upsert', body: { v: 'false' }, status: 201 },
    { name: '_MinKey id', method: 'PUT', path: '/ids/_MinKey?wm=upsert', body: { v: 'min' }, status: 201 },
    { name: '_MaxKey id', method: 'PUT', path: '/ids/_MaxKey?wm=upsert', body: { v: 'max' }, status: 201 },
    { name: 'GET /ids/_null → _id null', method: 'GET', path: '/ids/_null', status: 200, expectBodyPartial: { _id: null, v: 'null' } },
    { name: 'GET /ids/_true → _id true', method: 'GET', path: '/ids/_true', status: 200, expectBodyPartial: { _id: true, v: 'true' } },
    { name: 'GET /ids/_false → _id false', method: 'GET', path: '/ids/_false', status: 200, expectBodyPartial: { _id: false, v: 'false' } },
    { name: 'GET /ids/_MinKey → _id MinKey', method: 'GET', path: '/ids/_MinKey', status: 200, expectBodyPartial: { _id: { $minKey: 1 }, v: 'min' } },
    { name: 'GET /ids/_MaxKey → _id MaxKey', method: 'GET', path: '/ids/_MaxKey', status: 200, expectBodyPartial: { _id: { $maxKey: 1 }, v: 'max' } },
    {
      name: 'special ids are case-insensitive and ignore id_type',
      method: 'GET', path: '/ids/_TRUE?id_type=STRING', status: 200, expectBodyPartial: { _id: true, v: 'true' },
    },
    { name: '%2F in the id segment is decoded to /', method: 'PUT', path: '/ids/a%2Fb?wm=upsert', body: { v: 'slash' }, status: 201 },
    {
      name: 'GET /ids/a%2Fb → _id "a/b"',
      method: 'GET', path: '/ids/a%2fb', status: 200, expectBodyPartial: { _id: 'a/b', v: 'slash' },
    },
    {
      name: 'the listing shows each id with its type',
      method: 'GET', path: '/ids?keys=%7B%22v%22%3A1%7D&pagesize=100', status: 200,
      check: (r) => {
        const byV = Object.fromEntries(r.json().map((d: any) => [d.v, d._id]));
        assert.deepEqual(byV, {
          string: '1', number: 1, date: { $date: 1000 }, hexstring: '54f77f0fc2e6ea386c0752a5', null: null, true: true,
          false: false, min: { $minKey: 1 }, max: { $maxKey: 1 }, slash: 'a/b',
        });
      },
    },
    {
      name: 'id _properties → 403 reserved resource',
      method: 'PUT', path: '/ids/_properties?wm=upsert', body: { a: 1 }, status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
    {
      name: 'id _properties.x → 403 reserved resource',
      method: 'GET', path: '/ids/_properties.x', status: 403,
      expectBody: errorBody(403, 'Forbidden', 'reserved resource'),
    },
    {
      name: 'POST without _id while id_type=NUMBER → 400',
      method: 'POST', path: '/ids?id_type=NUMBER', body: { v: 1 }, status: 400,
      expectBody: errorBody(400, 'Bad Request', '_id in content body is mandatory for documents with id type NUMBER'),
    },
  ]);
});

describe('documents: Location links of POSTed ids', () => {
  let base = '';
  const loc = (suffix: string) => (r: Reply) => assert.equal(r.headers.get('location'), `${base}/links/${suffix}`);
  scenarios({ setup: setupColls({ links: undefined }, (srv) => { base = srv.url; }) }, [
    { name: 'Int32 _id → ?id_type=NUMBER', method: 'POST', path: '/links', body: { _id: 5 }, status: 201, check: loc('5?id_type=NUMBER') },
    {
      name: 'Int64 _id → ?id_type=NUMBER', method: 'POST', path: '/links', body: '{"_id":{"$numberLong":"12345678901"}}',
      status: 201, check: loc('12345678901?id_type=NUMBER'),
    },
    {
      name: 'hex-string _id → ?id_type=STRING', method: 'POST', path: '/links', body: { _id: '54f77f0fc2e6ea386c0752a6' },
      status: 201, check: loc('54f77f0fc2e6ea386c0752a6?id_type=STRING'),
    },
    { name: 'plain string _id → bare', method: 'POST', path: '/links', body: { _id: 'plain' }, status: 201, check: loc('plain') },
    {
      name: 'ObjectId _id → bare hex', method: 'POST', path: '/links', body: { _id: { $oid: '54f77f0fc2e6ea386c0752a7' } },
      status: 201, check: loc('54f77f0fc2e6ea386c0752a7'),
    },
    { name: 'Date _id → ?id_type=DATE', method: 'POST', path: '/links', body: { _id: { $date: 2000 } }, status: 201, check: loc('2000?id_type=DATE') },
    { name: 'true _id → _true', method: 'POST', path: '/links', body: { _id: true }, status: 201, check: loc('_true') },
    { name: 'null _id → _null', method: 'POST', path: '/links', body: { _id: null }, status: 201, check: loc('_null') },
    { name: 'MinKey _id → _MinKey', method: 'POST', path: '/links', body: { _id: { $minKey: 1 } }, status: 201, check: loc('_MinKey') },
    { name: 'the NUMBER link resolves', method: 'GET', path: '/links/5?id_type=NUMBER', status: 200, expectBodyPartial: { _id: 5 } },
    {
      name: 'the Int64 link resolves', method: 'GET', path: '/links/12345678901?id_type=NUMBER', status: 200,
      expectBodyPartial: { _id: 12345678901 },
    },
    {
      name: 'the STRING link resolves', method: 'GET', path: '/links/54f77f0fc2e6ea386c0752a6?id_type=STRING', status: 200,
      expectBodyPartial: { _id: '54f77f0fc2e6ea386c0752a6' },
    },
    { name: 'the DATE link resolves', method: 'GET', path: '/links/2000?id_type=DATE', status: 200, expectBodyPartial: { _id: { $date: 2000 } } },
  ]);
});
