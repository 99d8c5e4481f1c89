// Conformance details of issue 12 item 4: `X-Count-Strategy` (API.md §4), the index key types
// MongoDB accepts (§9.2) and the query operators the embedded engine does not serve, the order of
// a hinted index, and the HAL/SHAL form of `/_indexes` (§16.2, §16.4).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, errorBody, scenarios, type Reply, type Scenario, type TestServer } from '../helpers/server.ts';

const enc = encodeURIComponent;
const ids = (expected: unknown[]) => (r: Reply) => assert.deepEqual(r.json().map((d: any) => d._id), expected);

async function seed(srv: TestServer): Promise<void> {
  const writes: Array<[string, string, unknown?]> = [
    ['PUT', '/c'],
    // _id order differs from a's order; natural (insertion) order is _id order
    ['POST', '/c', [{ _id: 1, a: 3 }, { _id: 2, a: 1 }, { _id: 3, a: 4 }, { _id: 4, a: 2 }, { _id: 5 }]],
    ['PUT', '/c/_indexes/a_desc', { keys: { a: -1 } }],
    ['PUT', '/c/_indexes/a_asc', { keys: { a: 1 } }],
  ];
  for (const [m, p, body] of writes) {
    const r = await call(srv, m, p, { body });
    assert.ok(r.status < 300, `${m} ${p} → ${r.status} ${r.text}`);
  }
}

const COUNT: Scenario[] = [
  { name: '_size: exact count', method: 'GET', path: '/c/_size', status: 200, expectBody: { _size: 5 }, expectHeaders: { 'x-count-strategy': 'exact' } },
  { name: '_size?count=estimated: metadata count', method: 'GET', path: '/c/_size?count=estimated', status: 200, expectBody: { _size: 5 }, expectHeaders: { 'x-count-strategy': 'estimated' } },
  {
    name: '_size?count=estimated with a filter: exact', method: 'GET', path: `/c/_size?count=estimated&filter=${enc('{"a":{"$gt":2}}')}`, status: 200,
    expectBody: { _size: 2 }, expectHeaders: { 'x-count-strategy': 'exact' },
  },
  { name: 'GET ?count: exact', method: 'GET', path: '/c?count', status: 200, expectHeaders: { 'x-count-strategy': 'exact' } },
  { name: 'GET ?count=estimated: estimated', method: 'GET', path: '/c?count=estimated&rep=hal', status: 200, expectHeaders: { 'x-count-strategy': 'estimated' }, expectBodyPartial: { _size: 5 } },
  { name: 'GET without count: no header', method: 'GET', path: '/c', status: 200, expectHeaders: { 'x-count-strategy': null } },
];

const HINT: Scenario[] = [
  { name: 'hint=-a with sort={}: the index order', method: 'GET', path: `/c?hint=-a&sort=${enc('{}')}`, status: 200, check: ids([3, 1, 4, 2, 5]) },
  { name: 'hint by name with sort={}', method: 'GET', path: `/c?hint=a_desc&sort=${enc('{}')}`, status: 200, check: ids([3, 1, 4, 2, 5]) },
  { name: 'hint=%2Ba (ascending) with sort={}', method: 'GET', path: `/c?hint=%2Ba&sort=${enc('{}')}`, status: 200, check: ids([5, 2, 4, 1, 3]) },
  { name: 'hint with a filter on the indexed field', method: 'GET', path: `/c?hint=-a&sort=${enc('{}')}&filter=${enc('{"a":{"$gte":2}}')}`, status: 200, check: ids([3, 1, 4]) },
  { name: 'hint with pages', method: 'GET', path: `/c?hint=-a&sort=${enc('{}')}&pagesize=2&page=2`, status: 200, check: ids([4, 2]) },
  { name: 'hint with the default sort: _id descending still', method: 'GET', path: '/c?hint=-a', status: 200, check: ids([5, 4, 3, 2, 1]) },
  { name: 'hint with an explicit sort: the sort', method: 'GET', path: '/c?hint=-a&sort=a', status: 200, check: ids([5, 2, 4, 1, 3]) },
  { name: '$natural: -1 with sort={}: reverse natural order', method: 'GET', path: `/c?hint=${enc('{"$natural":-1}')}&sort=${enc('{}')}`, status: 200, check: ids([5, 4, 3, 2, 1]) },
  {
    name: 'hint of no index → 400', method: 'GET', path: `/c?hint=-b&sort=${enc('{}')}`, status: 400,
    check: (r) => assert.match(r.json().message, /hint provided does not correspond to an existing index/),
  },
];

const INDEX_TYPES: Scenario[] = [
  ...[['text', { s: 'text' }], ['2dsphere', { loc: '2dsphere' }], ['2d', { pt: '2d' }], ['hashed', { h: 'hashed' }], ['compound hashed', { a: 1, h2: 'hashed' }]].map(([what, keys]): Scenario => ({
    name: `PUT a ${what} index → 201`, method: 'PUT', path: `/c/_indexes/${String(what).replace(' ', '_')}`, body: { keys }, status: 201,
  })),
  {
    name: 'they are listed with their key types', method: 'GET', path: '/c/_indexes', status: 200,
    check: (r) => assert.deepEqual(r.json().slice(3).map((i: any) => [i._id, i.key]), [
      ['text', { s: 'text' }], ['2dsphere', { loc: '2dsphere' }], ['2d', { pt: '2d' }], ['hashed', { h: 'hashed' }], ['compound_hashed', { a: 1, h2: 'hashed' }],
    ]),
  },
  { name: 'documents are still written', method: 'POST', path: '/c', body: { _id: 6, s: 'hello world', loc: { type: 'Point', coordinates: [1, 2] }, h: 'x' }, status: 201 },
  { name: '… and found', method: 'GET', path: `/c?filter=${enc('{"h":"x"}')}`, status: 200, check: ids([6]) },
  { name: 'an indexed equality inside $and with $or: the $or still applies', method: 'GET', path: `/c?filter=${enc('{"$and":[{"a":3},{"$or":[{"_id":2},{"_id":3}]}]}')}`, status: 200, check: ids([]) },
  { name: 'hint of a hashed index: natural order', method: 'GET', path: `/c?hint=hashed&sort=${enc('{}')}`, status: 200, check: ids([1, 2, 3, 4, 5, 6]) },
  ...[
    ['a second text index', 'text2', { keys: { t: 'text' } }],
    ['a unique hashed index', 'uh', { keys: { u: 'hashed' }, ops: { unique: true } }],
    ['an unknown index type', 'weird', { keys: { w: 'bogus' } }],
    ['an index type of 2', 'two', { keys: { w: 2 } }],
    ['no keys', 'none', { keys: {} }],
  ].map(([what, name, body]): Scenario => ({
    name: `${what} → 400`, method: 'PUT', path: `/c/_indexes/${name}`, body, status: 400, expectBodyPartial: { message: 'error creating the index' },
  })),
  ...[
    ['$text', { $text: { $search: 'hello' } }],
    ['$near', { loc: { $near: [1, 2] } }],
    ['$nearSphere', { loc: { $nearSphere: [1, 2] } }],
    ['$geoWithin', { loc: { $geoWithin: { $center: [[0, 0], 5] } } }],
    ['$geoIntersects', { loc: { $geoIntersects: { $geometry: { type: 'Point', coordinates: [1, 2] } } } }],
    ['$text', { $and: [{ a: 1 }, { $text: { $search: 'x' } }] }],
  ].map(([op, filter]): Scenario => ({
    name: `${op} in ${JSON.stringify(filter)} → 400 naming it`, method: 'GET', path: `/c?filter=${enc(JSON.stringify(filter))}`, status: 400,
    expectBodyPartial: { message: `Invalid query parameter: the ${op} query operator is not supported by the embedded engine (text and geospatial queries need the MongoDB engine)` },
  })),
  {
    name: 'bulk DELETE with $near → 207 naming it, nothing deleted', method: 'DELETE', path: `/c/*?filter=${enc('{"loc":{"$near":[1,2]}}')}`, status: 207,
    check: (r) => assert.match(r.json().errors[0].message, /the \$near query operator is not supported/),
  },
  { name: '… all there', method: 'GET', path: '/c/_size', status: 200, expectBody: { _size: 6 } },
];

const INDEX = { v: 2, key: { _id: 1 }, _id: '_id_' };
const A_DESC = { v: 2, key: { a: -1 }, _id: 'a_desc' };
const A_ASC = { v: 2, key: { a: 1 }, _id: 'a_asc' };

const INDEXES_HAL: Scenario[] = [
  { name: 'STANDARD: the array', method: 'GET', path: '/c/_indexes', status: 200, expectBody: [INDEX, A_DESC, A_ASC] },
  {
    name: 'HAL compact', method: 'GET', path: '/c/_indexes?rep=hal', status: 200, expectHeaders: { 'content-type': /^application\/hal\+json/ },
    expectBody: { _size: 3, _returned: 3, _embedded: { 'rh:index': [INDEX, A_DESC, A_ASC] } },
  },
  {
    name: 'HAL full: _type, INDEX items, links on the mongo resource path', method: 'GET', path: '/c/_indexes?rep=hal&hal=f', status: 200,
    expectBody: {
      _size: 3, _returned: 3, _type: 'COLLECTION_INDEXES',
      _embedded: { 'rh:index': [INDEX, A_DESC, A_ASC].map((i) => ({ _type: 'INDEX', ...i })) },
      _links: { self: { href: '/restheart/c/_indexes?rep=hal&hal=f' }, 'rh:coll': { href: '/restheart/c' }, 'rh:indexes': { href: '/restheart/c/_indexes' } },
    },
  },
  { name: 'PJ: a flat _embedded', method: 'GET', path: '/c/_indexes?rep=pj', status: 200, expectBody: { _size: 3, _returned: 3, _embedded: [INDEX, A_DESC, A_ASC] } },
  { name: 'SHAL with np: the array', method: 'GET', path: '/c/_indexes?rep=shal&np', status: 200, expectBody: [INDEX, A_DESC, A_ASC] },
  { name: 'missing collection → 404', method: 'GET', path: '/nope/_indexes?rep=hal', status: 404, expectBody: errorBody(404, 'Not Found', "Collection 'nope' does not exist") },
];

describe('X-Count-Strategy', () => {
  scenarios({ setup: seed }, COUNT);
});

describe('hinted index order', () => {
  scenarios({ setup: seed }, HINT);
});

describe('HAL and SHAL of /_indexes', () => {
  scenarios({ setup: seed }, INDEXES_HAL);
});

describe('text, geospatial and hashed indexes on the embedded engine', () => {
  scenarios({ setup: seed }, INDEX_TYPES);
});
