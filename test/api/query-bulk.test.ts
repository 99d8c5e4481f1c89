// Collection queries (page, pagesize, filter, keys, sort, hint, count) and bulk writes on the default
// mount: API.md §3.2, §3.6, §4, §6.1, §7.6, §15; SECURITY.md §6.4 ($where blacklist).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, errorBody, scenarios } from '../helpers/server.ts';
import type { Reply, Scenario, TestServer } from '../helpers/server.ts';

const HEX24 = /^[0-9a-f]{24}$/;
const enc = encodeURIComponent;
const ids = (r: Reply) => r.json().map((d: any) => d._id);
const expectIds = (expected: unknown[]) => (r: Reply) => assert.deepEqual(ids(r), expected);

async function seed(srv: TestServer, colls: Record<string, string[]>) {
  const db = await call(srv, 'PUT', '/');
  assert.ok(db.status === 201 || db.status === 200, `PUT / → ${db.status} ${db.text}`);
  for (const [coll, docs] of Object.entries(colls)) {
    const c = await call(srv, 'PUT', `/${coll}`);
    assert.equal(c.status, 201, `PUT /${coll} → ${c.status} ${c.text}`);
    for (const d of docs) {
      const r = await call(srv, 'POST', `/${coll}`, { body: d });
      assert.equal(r.status, 201, `POST /${coll} ${d} → ${r.status} ${r.text}`);
    }
  }
}

// d1..d5; default sort is _id descending
const INVENTORY = [
  '{"_id":"d1","item":"journal","qty":25,"status":"A"}',
  '{"_id":"d2","item":"notebook","qty":50,"status":"A"}',
  '{"_id":"d3","item":"paper","qty":100,"status":"D"}',
  '{"_id":"d4","item":"planner","qty":75,"status":"D"}',
  '{"_id":"d5","item":"postcard","qty":45,"status":"A"}',
];
// the same "number" in several BSON numeric types
const NUMS = [
  '{"_id":"i32","n":5}',
  '{"_id":"i32b","n":4}',
  '{"_id":"i64","n":{"$numberLong":"6"}}',
  '{"_id":"dec","n":{"$numberDecimal":"7.5"}}',
  '{"_id":"dbl","n":5.5}',
];

const bad = (name: string, path: string, message: string): Scenario => ({
  name, method: 'GET', path, status: 400, expectBody: errorBody(400, 'Bad Request', message),
});

describe('query: pagination and default sort', () => {
  scenarios({ setup: (srv) => seed(srv, { inv: INVENTORY }) }, [
    { name: 'listing is a bare array sorted by _id descending', method: 'GET', path: '/inv', status: 200, check: expectIds(['d5', 'd4', 'd3', 'd2', 'd1']) },
    {
      name: 'documents are returned whole, with _etag',
      method: 'GET', path: `/inv?filter=${enc('{"_id":"d1"}')}`, status: 200,
      check: (r) => {
        const [d] = r.json();
        assert.match(d._etag.$oid, HEX24);
        const { _etag, ...rest } = d;
        assert.deepEqual(rest, { _id: 'd1', item: 'journal', qty: 25, status: 'A' });
        assert.equal(r.json().length, 1);
      },
    },
    { name: 'pagesize=2 → first page', method: 'GET', path: '/inv?pagesize=2', status: 200, check: expectIds(['d5', 'd4']) },
    { name: 'page=2&pagesize=2', method: 'GET', path: '/inv?page=2&pagesize=2', status: 200, check: expectIds(['d3', 'd2']) },
    { name: 'page=3&pagesize=2', method: 'GET', path: '/inv?page=3&pagesize=2', status: 200, check: expectIds(['d1']) },
    { name: 'page past the end → []', method: 'GET', path: '/inv?page=4&pagesize=2', status: 200, expectBody: [] },
    { name: 'pagesize=1000 is allowed', method: 'GET', path: '/inv?pagesize=1000', status: 200, check: expectIds(['d5', 'd4', 'd3', 'd2', 'd1']) },
    { name: 'pagesize=0 → 200 with an empty body', method: 'GET', path: '/inv?pagesize=0', status: 200, expectBody: '' },
    bad('page=0 → 400', '/inv?page=0', 'illegal page parameter, it is < 1'),
    {
      name: 'page=x → 400 with the NumberFormatException fields',
      method: 'GET', path: '/inv?page=x', status: 400,
      check: (r) => {
        assert.deepEqual(r.json(), {
          ...errorBody(400, 'Bad Request', 'illegal page parameter, it is not a number'),
          exception: 'java.lang.NumberFormatException', 'exception message': "For input string: 'x'",
        });
        assert.deepEqual(Object.keys(r.json()), ['http status code', 'http status description', 'message', 'exception', 'exception message']);
      },
    },
    {
      name: 'pagesize=a → 400 with the NumberFormatException fields',
      method: 'GET', path: '/inv?pagesize=a', status: 400,
      expectBody: {
        ...errorBody(400, 'Bad Request', 'illegal pagesize parameter, it is not a number'),
        exception: 'java.lang.NumberFormatException', 'exception message': "For input string: 'a'",
      },
    },
    bad('pagesize=1001 → 400', '/inv?pagesize=1001', 'illegal pagesize parameter, pagesize must be >= 0 and <= 1000'),
    bad('pagesize=-1 → 400', '/inv?pagesize=-1', 'illegal pagesize parameter, pagesize must be >= 0 and <= 1000'),
    bad('page is validated on document requests too', '/inv/d1?page=0', 'illegal page parameter, it is < 1'),
  ]);
});

describe('query: filter', () => {
  scenarios({ setup: (srv) => seed(srv, { inv: INVENTORY, nums: NUMS }) }, [
    { name: 'filter by equality', method: 'GET', path: `/inv?filter=${enc('{"status":"A"}')}`, status: 200, check: expectIds(['d5', 'd2', 'd1']) },
    {
      name: 'relaxed JSON (single quotes, unquoted keys)',
      method: 'GET', path: `/inv?filter=${enc("{status:'D'}")}`, status: 200, check: expectIds(['d4', 'd3']),
    },
    {
      name: 'repeated filter parameters are ANDed',
      method: 'GET', path: `/inv?filter=${enc('{"status":"A"}')}&filter=${enc('{"qty":{"$gt":30}}')}`, status: 200,
      check: expectIds(['d5', 'd2']),
    },
    {
      name: '$regex filter',
      method: 'GET', path: `/inv?filter=${enc('{"item":{"$regex":"^p"}}')}`, status: 200, check: expectIds(['d5', 'd4', 'd3']),
    },
    {
      name: '$regex with $options i',
      method: 'GET', path: `/inv?filter=${enc('{"item":{"$regex":"^P","$options":"i"}}')}`, status: 200, check: expectIds(['d5', 'd4', 'd3']),
    },
    {
      name: '$regularExpression (extended JSON)',
      method: 'GET', path: `/inv?filter=${enc('{"item":{"$regularExpression":{"pattern":"book$","options":""}}}')}`, status: 200,
      check: expectIds(['d2']),
    },
    { name: '$in and $or', method: 'GET', path: `/inv?filter=${enc('{"$or":[{"qty":{"$in":[25,100]}},{"item":"postcard"}]}')}`, status: 200, check: expectIds(['d5', 'd3', 'd1']) },
    { name: 'no match → []', method: 'GET', path: `/inv?filter=${enc('{"status":"Z"}')}`, status: 200, expectBody: [] },
    bad('empty filter → 400', '/inv?filter=', 'illegal filter parameter (empty)'),
    bad('filter not an object → 400', `/inv?filter=${enc('[1]')}`, 'illegal filter parameter, it is not a json object: [1]'),
    bad('filter {} → 400', `/inv?filter=${enc('{}')}`, 'illegal filter parameter (empty json object)'),
    {
      name: 'unparsable filter → 400 "illegal filter parameter: <f>, <parser msg>"',
      method: 'GET', path: `/inv?filter=${enc("{'a':")}`, status: 400,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['http status code', 'http status description', 'message']);
        assert.equal(b['http status code'], 400);
        assert.ok(b.message.startsWith("illegal filter parameter: {'a':, "), b.message);
        assert.ok(b.message.length > "illegal filter parameter: {'a':, ".length, 'parser message missing');
      },
    },
    {
      name: '$where → 403 (filterOperatorsBlacklist, security veto: no body)',
      method: 'GET', path: `/inv?filter=${enc('{"$where":"this.qty > 1"}')}`, status: 403, expectBody: '',
    },
    {
      name: 'nested $where → 403',
      method: 'GET', path: `/inv?filter=${enc('{"$or":[{"a":1},{"$where":"true"}]}')}`, status: 403,
    },
    {
      name: '$where on _size → 403',
      method: 'GET', path: `/inv/_size?filter=${enc('{"$where":"true"}')}`, status: 403,
    },
    {
      name: 'unknown operator $foo → 400',
      method: 'GET', path: `/inv?filter=${enc('{"qty":{"$foo":1}}')}`, status: 400,
      expectBodyPartial: { 'http status code': 400, message: 'Invalid query parameter: unknown operator: $foo' },
    },
    // numbers of different BSON types compare by value
    {
      name: '{"n":{"$gt":5}} matches Int64 6, Decimal128 7.5 and Double 5.5, not Int32 5',
      method: 'GET', path: `/nums?filter=${enc('{"n":{"$gt":5}}')}`, status: 200, check: expectIds(['i64', 'dec', 'dbl']),
    },
    { name: '{"n":6} matches the Int64', method: 'GET', path: `/nums?filter=${enc('{"n":6}')}`, status: 200, check: expectIds(['i64']) },
    {
      name: '{"n":6.0} (Double) matches the Int64',
      method: 'GET', path: `/nums?filter=${enc('{"n":6.0}')}`, status: 200, check: expectIds(['i64']),
    },
    {
      name: 'Decimal128 in the filter compares with Int32/Double',
      method: 'GET', path: `/nums?filter=${enc('{"n":{"$lte":{"$numberDecimal":"5.5"}}}')}`, status: 200, check: expectIds(['i32b', 'i32', 'dbl']),
    },
    {
      name: '$numberLong in the filter',
      method: 'GET', path: `/nums?filter=${enc('{"n":{"$lt":{"$numberLong":"5"}}}')}`, status: 200, check: expectIds(['i32b']),
    },
    { name: 'sort across numeric types', method: 'GET', path: '/nums?sort=n', status: 200, check: expectIds(['i32b', 'i32', 'dbl', 'i64', 'dec']) },
    {
      name: 'numbers keep their type in the output',
      method: 'GET', path: '/nums?sort=n&keys=%7B%22_etag%22%3A0%7D', status: 200,
      check: (r) => assert.equal(r.text, '[{"_id":"i32b","n":4},{"_id":"i32","n":5},{"_id":"dbl","n":5.5},{"_id":"i64","n":6},{"_id":"dec","n":{"$numberDecimal":"7.5"}}]'),
    },
  ]);
});

describe('query: keys, sort, hint, count', () => {
  scenarios({ setup: (srv) => seed(srv, { inv: INVENTORY }) }, [
    {
      name: 'keys inclusion',
      method: 'GET', path: `/inv?filter=${enc('{"status":"D"}')}&keys=${enc('{"item":1}')}`, status: 200,
      expectBody: [{ _id: 'd4', item: 'planner' }, { _id: 'd3', item: 'paper' }],
    },
    {
      name: 'keys exclusion',
      method: 'GET', path: `/inv?filter=${enc('{"_id":"d1"}')}&keys=${enc('{"item":0,"_etag":0}')}`, status: 200,
      expectBody: [{ _id: 'd1', qty: 25, status: 'A' }],
    },
    {
      name: 'repeated keys are merged',
      method: 'GET', path: `/inv?filter=${enc('{"_id":"d2"}')}&keys=${enc('{"item":1}')}&keys=${enc('{"qty":1}')}`, status: 200,
      expectBody: [{ _id: 'd2', item: 'notebook', qty: 50 }],
    },
    {
      name: 'keys on a document GET',
      method: 'GET', path: `/inv/d3?keys=${enc('{"qty":1,"_id":0}')}`, status: 200, expectBody: { qty: 100 },
    },
    {
      name: 'keys mixing inclusion and exclusion → 400',
      method: 'GET', path: `/inv?keys=${enc('{"item":1,"qty":0}')}`, status: 400,
      expectBodyPartial: { 'http status code': 400, message: 'Keys projection cannot have a mix of inclusion and exclusion' },
    },
    bad('empty keys → 400', '/inv?keys=', 'illegal keys parameter (empty)'),
    bad('keys not an object → 400', `/inv?keys=${enc('[1]')}`, 'illegal keys parameter, it is not a json object: [1]'),
    { name: 'sort=qty', method: 'GET', path: '/inv?sort=qty', status: 200, check: expectIds(['d1', 'd5', 'd2', 'd4', 'd3']) },
    { name: 'sort=-qty', method: 'GET', path: '/inv?sort=-qty', status: 200, check: expectIds(['d3', 'd4', 'd2', 'd5', 'd1']) },
    { name: 'sort=%2Bqty (explicit +)', method: 'GET', path: '/inv?sort=%2Bqty', status: 200, check: expectIds(['d1', 'd5', 'd2', 'd4', 'd3']) },
    {
      name: 'sort as JSON {"status":1,"qty":-1}',
      method: 'GET', path: `/inv?sort=${enc('{"status":1,"qty":-1}')}`, status: 200, check: expectIds(['d2', 'd5', 'd1', 'd3', 'd4']),
    },
    {
      name: 'repeated sort applied in order',
      method: 'GET', path: '/inv?sort=status&sort=-qty', status: 200, check: expectIds(['d2', 'd5', 'd1', 'd3', 'd4']),
    },
    {
      name: 'sort_by wins over sort',
      method: 'GET', path: '/inv?sort=qty&sort_by=-qty', status: 200, check: expectIds(['d3', 'd4', 'd2', 'd5', 'd1']),
    },
    { name: 'sort with pagination', method: 'GET', path: '/inv?sort=qty&pagesize=2&page=2', status: 200, check: expectIds(['d2', 'd4']) },
    bad('empty sort → 400', '/inv?sort=', 'Illegal sort parameter'),
    bad('invalid JSON sort → 400', `/inv?sort=${enc('{"qty":')}`, 'Invalid sort parameter'),
    {
      name: 'hint {"$natural":1} → 200, default sort still applies',
      method: 'GET', path: `/inv?hint=${enc('{"$natural":1}')}`, status: 200, check: expectIds(['d5', 'd4', 'd3', 'd2', 'd1']),
    },
    bad('empty hint → 400', '/inv?hint=', 'illegal hint parameter'),
    {
      name: 'count → X-Count-Strategy: exact, body still the bare array',
      method: 'GET', path: '/inv?count', status: 200, expectHeaders: { 'X-Count-Strategy': 'exact' },
      check: expectIds(['d5', 'd4', 'd3', 'd2', 'd1']),
    },
    {
      name: 'count=estimated without filter → estimated',
      method: 'GET', path: '/inv?count=estimated', status: 200, expectHeaders: { 'X-Count-Strategy': 'estimated' },
      check: expectIds(['d5', 'd4', 'd3', 'd2', 'd1']),
    },
    {
      name: 'count=estimated with a filter → exact',
      method: 'GET', path: `/inv?count=estimated&filter=${enc('{"status":"A"}')}`, status: 200, expectHeaders: { 'X-Count-Strategy': 'exact' },
      check: expectIds(['d5', 'd2', 'd1']),
    },
    { name: 'no count → no X-Count-Strategy', method: 'GET', path: '/inv', status: 200, expectHeaders: { 'X-Count-Strategy': null } },
    { name: '/_size', method: 'GET', path: '/inv/_size', status: 200, expectBody: { _size: 5 } },
    { name: '/_size with filter', method: 'GET', path: `/inv/_size?filter=${enc('{"status":"A"}')}`, status: 200, expectBody: { _size: 3 } },
    {
      name: 'the worked example of §15 (filter, keys, sort, count)',
      method: 'GET', path: `/inv?filter=${enc('{"qty":{"$gt":50}}')}&keys=${enc("{'item':1}")}&sort=-qty&count`, status: 200,
      expectHeaders: { 'X-Count-Strategy': 'exact' },
      expectBody: [{ _id: 'd3', item: 'paper' }, { _id: 'd4', item: 'planner' }],
    },
  ]);
});

describe('bulk writes', () => {
  const st: Record<string, unknown> = {};
  scenarios({ setup: (srv) => seed(srv, { b: [] }) }, [
    {
      name: 'bulk POST → 200, counters, relative links, shared ETag',
      method: 'POST', path: '/b', body: [{ a: 1 }, { a: 2 }], status: 200,
      check: (r) => {
        const body = r.json();
        assert.deepEqual(Object.keys(body).sort(), ['deleted', 'inserted', 'links', 'matched', 'modified']);
        assert.equal(body.inserted, 2);
        assert.equal(body.deleted, 0);
        assert.equal(body.modified, 0);
        assert.equal(body.matched, 0);
        assert.equal(body.links.length, 2);
        for (const l of body.links) assert.match(l, /^\/b\/[0-9a-f]{24}$/);
        assert.notEqual(body.links[0], body.links[1]);
        st.links = body.links;
        st.etag = r.headers.get('etag');
        assert.match(st.etag as string, HEX24);
      },
    },
    {
      name: 'the inserted documents share the bulk ETag and are reachable by their links',
      method: 'GET', path: '/b', status: 200,
      check: (r) => {
        const docs = r.json();
        assert.equal(docs.length, 2);
        for (const d of docs) assert.deepEqual(d._etag, { $oid: st.etag });
        assert.deepEqual(docs.map((d: any) => `/b/${d._id.$oid}`).sort(), [...(st.links as string[])].sort());
        assert.deepEqual(docs.map((d: any) => d.a).sort(), [1, 2]);
      },
    },
    {
      name: 'bulk POST with string ids → links with those ids',
      method: 'POST', path: '/b', body: [{ _id: 'x', a: 3 }, { _id: 'y', a: 4 }], status: 200,
      expectBody: { inserted: 2, links: ['/b/x', '/b/y'], deleted: 0, modified: 0, matched: 0 },
    },
    {
      name: 'bulk POST with a number id → link with ?id_type=NUMBER',
      method: 'POST', path: '/b', body: [{ _id: 7, a: 0 }], status: 200,
      expectBody: { inserted: 1, links: ['/b/7?id_type=NUMBER'], deleted: 0, modified: 0, matched: 0 },
    },
    {
      name: 'bulk POST with a duplicate → 207, errors per index, the others inserted',
      method: 'POST', path: '/b', body: [{ _id: 'z', a: 5 }, { _id: 'x', a: 6 }, { _id: 'w', a: 7 }], status: 207,
      check: (r) => {
        const body = r.json();
        assert.equal(body.inserted, 2);
        assert.equal(body.deleted, 0);
        assert.equal(body.modified, 0);
        assert.equal(body.matched, 0);
        assert.deepEqual(body.errors, [{ index: 1, httpStatus: 409 }]);
      },
    },
    { name: '... z was inserted', method: 'GET', path: '/b/z', status: 200, expectBodyPartial: { a: 5 } },
    { name: '... w was inserted', method: 'GET', path: '/b/w', status: 200, expectBodyPartial: { a: 7 } },
    { name: '... x was not overwritten', method: 'GET', path: '/b/x', status: 200, expectBodyPartial: { a: 3 } },
    {
      name: 'bulk PATCH with a filter → 200 modified/matched',
      method: 'PATCH', path: `/b/*?filter=${enc('{"a":{"$gt":2}}')}`, body: { flag: true }, status: 200,
      expectBody: { inserted: 0, links: [], deleted: 0, modified: 4, matched: 4 },
    },
    {
      name: 'bulk PATCH with operators',
      method: 'PATCH', path: `/b/*?filter=${enc('{"a":1}')}`, body: { $inc: { a: 10 } }, status: 200,
      expectBody: { inserted: 0, links: [], deleted: 0, modified: 1, matched: 1 },
    },
    {
      name: '... patched documents',
      method: 'GET', path: `/b?filter=${enc('{"flag":true}')}&sort=a&keys=${enc('{"a":1}')}`, status: 200,
      expectBody: [{ _id: 'x', a: 3 }, { _id: 'y', a: 4 }, { _id: 'z', a: 5 }, { _id: 'w', a: 7 }],
    },
    {
      name: 'bulk PATCH that matches nothing → 0',
      method: 'PATCH', path: `/b/*?filter=${enc('{"a":999}')}`, body: { flag: false }, status: 200,
      expectBody: { inserted: 0, links: [], deleted: 0, modified: 0, matched: 0 },
    },
    {
      name: 'bulk DELETE with a filter → 200 deleted',
      method: 'DELETE', path: `/b/*?filter=${enc('{"flag":true}')}`, status: 200,
      expectBody: { inserted: 0, links: [], deleted: 4, modified: 0, matched: 0 },
    },
    { name: '... remaining documents', method: 'GET', path: '/b?sort=a&keys=%7B%22a%22%3A1%2C%22_id%22%3A0%7D', status: 200, expectBody: [{ a: 0 }, { a: 2 }, { a: 11 }] },
    {
      name: 'bulk DELETE without filter → 400',
      method: 'DELETE', path: '/b/*', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'filter parameter is mandatory for bulk write requests'),
    },
    {
      name: 'bulk PATCH without filter → 400',
      method: 'PATCH', path: '/b/*', body: { x: 1 }, status: 400,
      expectBody: errorBody(400, 'Bad Request', 'filter parameter is mandatory for bulk write requests'),
    },
    {
      name: 'bulk DELETE with an empty filter → 400',
      method: 'DELETE', path: '/b/*?filter=', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'illegal filter parameter (empty)'),
    },
    {
      name: 'bulk DELETE with $where → 403',
      method: 'DELETE', path: `/b/*?filter=${enc('{"$where":"true"}')}`, status: 403,
    },
    { name: '... nothing was deleted by the refused requests', method: 'GET', path: '/b/_size', status: 200, expectBody: { _size: 3 } },
  ]);
});
