// mongo-mounts with several mounts at once (API.md §1.2), /ping and /health/db (§13), and the
// _indexes resource (§9.2).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { errorBody, scenarios } from '../helpers/server.ts';

const json = { 'Content-Type': 'application/json' };

describe('several mounts: /api → db shop, /inv → collection store.items, /raw → every db', () => {
  scenarios({
    rho: '/mongo/mongo-mounts->[{"what":"/shop","where":"/api"},{"what":"/store/items","where":"/inv"},{"what":"*","where":"/raw"}]',
  }, [
    { name: 'PUT /api creates db shop', method: 'PUT', path: '/api', status: 201 },
    { name: 'PUT /api/orders creates shop.orders', method: 'PUT', path: '/api/orders', status: 201 },
    {
      name: 'POST /api/orders: Location is in request space', method: 'POST', path: '/api/orders', headers: json, body: { _id: 'o1' }, status: 201,
      expectHeaders: { Location: /^http:\/\/127\.0\.0\.1:\d+\/api\/orders\/o1$/ },
    },
    { name: 'the same document through the * mount', method: 'GET', path: '/raw/shop/orders/o1', status: 200, expectBodyPartial: { _id: 'o1' } },
    { name: 'PUT /raw/store creates db store', method: 'PUT', path: '/raw/store', status: 201 },
    { name: 'PUT /raw/store/items creates store.items', method: 'PUT', path: '/raw/store/items', status: 201 },
    {
      name: 'POST /inv: a collection mount maps documents under it', method: 'POST', path: '/inv', headers: json, body: { _id: 'i1', n: 1 }, status: 201,
      expectHeaders: { Location: /\/inv\/i1$/ },
    },
    { name: 'GET /inv/i1', method: 'GET', path: '/inv/i1', status: 200, expectBody: undefined, expectBodyPartial: { _id: 'i1', n: 1 } },
    { name: 'GET /raw lists databases', method: 'GET', path: '/raw', status: 200, check: (r) => assert.ok(r.json().includes('shop') && r.json().includes('store')) },
    {
      name: 'a path no mount matches → 502', method: 'GET', path: '/elsewhere', status: 502,
      expectBody: errorBody(502, 'Bad Gateway', 'No MongoDB resource bound for /elsewhere'),
    },
    {
      name: 'bulk links are in request space', method: 'POST', path: '/api/orders', headers: json, body: [{ _id: 'o2' }], status: 200,
      expectBodyPartial: { links: ['/api/orders/o2'] },
    },
  ]);
});

describe('/ping and /health/db', () => {
  scenarios({}, [
    {
      name: 'GET /ping without credentials', method: 'GET', path: '/ping', headers: { Authorization: '' }, status: 200,
      check: (r) => {
        const b = r.json();
        assert.equal(b.message, 'Greetings from RESTHeart!');
        assert.equal(b.client_ip, '127.0.0.1');
        assert.ok(typeof b.version === 'string' && typeof b.build_time === 'string');
      },
    },
    { name: 'HEAD /ping', method: 'HEAD', path: '/ping', status: 200, expectBody: '' },
    { name: 'POST /ping → 501', method: 'POST', path: '/ping', status: 501 },
    {
      name: 'GET /health/db', method: 'GET', path: '/health/db', status: 200,
      check: (r) => {
        const b = r.json();
        assert.equal(b.status, 'ok');
        assert.equal(b.description, 'ping successful');
        assert.equal(typeof b.latencyMs, 'number');
      },
    },
  ]);
});

describe('custom ping message, extended response off', () => {
  scenarios({ rho: '/ping/msg->"hi";/ping/enable-extended-response->false' }, [
    { name: 'GET /ping', method: 'GET', path: '/ping', status: 200, expectBody: { message: 'hi' } },
  ]);
});

describe('/_indexes', () => {
  scenarios({}, [
    { name: 'create collection', method: 'PUT', path: '/ix', status: 201 },
    { name: 'GET _indexes: only _id_', method: 'GET', path: '/ix/_indexes', status: 200, expectBody: [{ v: 2, key: { _id: 1 }, _id: '_id_' }] },
    { name: 'PUT a unique index', method: 'PUT', path: '/ix/_indexes/item_idx', headers: json, body: { keys: { item: 1 }, ops: { unique: true } }, status: 201 },
    {
      name: 'GET _indexes lists it', method: 'GET', path: '/ix/_indexes', status: 200,
      expectBody: [{ v: 2, key: { _id: 1 }, _id: '_id_' }, { v: 2, key: { item: 1 }, unique: true, _id: 'item_idx' }],
    },
    { name: 'first doc', method: 'POST', path: '/ix', headers: json, body: { item: 'pen' }, status: 201 },
    {
      name: 'a duplicate of the unique field → 409', method: 'POST', path: '/ix', headers: json, body: { item: 'pen' }, status: 409,
      expectBodyPartial: { message: 'Duplicate key error (insert with existing _id, update a document not matching specified filter or unique index violation)' },
    },
    { name: 'the collection still has one document', method: 'GET', path: '/ix/_size', status: 200, expectBody: { _size: 1 } },
    { name: 'a filter on the indexed field finds it', method: 'GET', path: `/ix?filter=${encodeURIComponent('{"item":"pen"}')}&keys={"_id":0,"item":1}`, status: 200, expectBody: [{ item: 'pen' }] },
    { name: 'hint by name', method: 'GET', path: '/ix?hint=item_idx&keys={"_id":0,"item":1}', status: 200, expectBody: [{ item: 'pen' }] },
    { name: 'hint naming no index → 400', method: 'GET', path: '/ix?hint=nope', status: 400 },
    { name: 'keys missing → 400', method: 'PUT', path: '/ix/_indexes/bad', headers: json, body: { ops: {} }, status: 400, expectBodyPartial: { message: 'keys must be a json object' } },
    { name: 'ops not an object → 400', method: 'PUT', path: '/ix/_indexes/bad', headers: json, body: { keys: { a: 1 }, ops: 1 }, status: 400, expectBodyPartial: { message: 'ops must be a json object' } },
    { name: 'name starting with _ → 400', method: 'PUT', path: '/ix/_indexes/_mine', headers: json, body: { keys: { a: 1 } }, status: 400, expectBodyPartial: { message: 'index name cannot start with _' } },
    {
      name: 'documents without the field collide as null on a non-sparse unique index (as in MongoDB)', method: 'POST', path: '/ix', headers: json,
      body: [{ item: 'a', dup: 1 }, { item: 'b', dup: 1 }, { dup: 2 }, { dup: 3 }], status: 207,
      expectBodyPartial: { inserted: 3, errors: [{ index: 3, httpStatus: 409 }] },
    },
    {
      name: 'creating a unique index on duplicated values → 400 error creating the index', method: 'PUT', path: '/ix/_indexes/dup_idx', headers: json,
      body: { keys: { dup: 1 }, ops: { unique: true } }, status: 400, expectBodyPartial: { message: 'error creating the index' },
    },
    { name: 'DELETE the index', method: 'DELETE', path: '/ix/_indexes/item_idx', status: 204 },
    { name: 'now a duplicate is accepted', method: 'POST', path: '/ix', headers: json, body: { item: 'pen' }, status: 201 },
    { name: 'DELETE _id_ → 401 (RESTHeart quirk)', method: 'DELETE', path: '/ix/_indexes/_id_', status: 401, expectBodyPartial: { message: '_id_ is a default index and cannot be deleted' } },
    { name: 'DELETE a missing index → 404-ish client error, not 500', method: 'DELETE', path: '/ix/_indexes/nope', status: 404 },
  ]);
});
