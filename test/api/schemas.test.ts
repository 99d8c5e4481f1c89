// JSON Schema store and validation (API.md §9.3, §7.6), black box over HTTP, on the embedded
// engine and on the MongoDB engine (through the official driver against the test wire server).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, checkScenario, errorBody, scenarios, startServer, type Reply, type Scenario, type TestServer } from '../helpers/server.ts';
import { WireShim } from '../engine/wire/shim.ts';

const enc = encodeURIComponent;
const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
const ALL_DBS = '/mongo/mongo-mounts[1]->{"what":"*","where":"/"}';

const ADDRESS = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['city'],
  properties: { city: { type: 'string' }, zip: { $ref: '#/definitions/zip' } },
  definitions: { zip: { type: 'string', pattern: '^[0-9]{5}$' } },
};
const PERSON = { type: 'object', properties: { name: { type: 'string' }, home: { $ref: 'http://schema-store/restheart/address#' } } };
// BSON types are validated in their JSON form: {"$oid": …}; a schema names `$oid` as `_$oid`
const OID_ID = '{"type":"object","properties":{"_id":{"type":"object","required":["_$oid"],"properties":{"_$oid":{"type":"string"}}}}}';

const violates = (id: string, ...v: string[]) => `Request content violates schema '${id}': ${v.length} schema violations found, ${v.join(', ')}`;
const DESCRIPTION: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error', 501: 'Not Implemented' };
const bad = (status: number, message: string) => errorBody(status, DESCRIPTION[status]!, message);
const startsWith = (prefix: string) => (r: Reply) => assert.ok(r.json().message.startsWith(prefix), r.text);

function sizeIs(path: string, n: number): Scenario {
  return { name: `… ${path} holds ${n} documents`, method: 'GET', path: `${path}/_size`, status: 200, expectBody: { _size: n } };
}

function docIs(path: string, expected: Record<string, unknown>): Scenario {
  return {
    name: `… ${path} is ${JSON.stringify(expected)}`, method: 'GET', path, status: 200,
    check: (r) => {
      const { _etag: _ignored, ...rest } = r.json();
      assert.deepEqual(rest, expected);
    },
  };
}

const STORE: Scenario[] = [
  { name: 'no store yet → 404', method: 'PUT', path: '/_schemas/x?wm=upsert', body: { type: 'object' }, status: 404, expectBody: bad(404, 'Schema Store does not exist') },
  { name: 'PUT /_schemas creates the store', method: 'PUT', path: '/_schemas', status: 201 },
  { name: 'PUT a schema (upsert) → 201', method: 'PUT', path: '/_schemas/address?wm=upsert', body: ADDRESS, status: 201, expectHeaders: { etag: /^[0-9a-f]{24}$/ } },
  {
    name: 'GET the schema: $ keys unescaped, id set by the store, $schema rewritten to draft-04',
    method: 'GET', path: '/_schemas/address', status: 200,
    check: (r) => {
      const { _etag, ...rest } = r.json();
      assert.match(_etag.$oid, /^[0-9a-f]{24}$/);
      assert.deepEqual(rest, { _id: 'address', ...ADDRESS, $schema: DRAFT_04, id: 'http://schema-store/restheart/address#' });
    },
  },
  {
    name: 'GET the store lists schemas unescaped', method: 'GET', path: '/_schemas', status: 200,
    check: (r) => assert.deepEqual(r.json().map((s: any) => [s._id, s.properties.zip.$ref]), [['address', '#/definitions/zip']]),
  },
  {
    name: 'HAL: schemas are rh:schema', method: 'GET', path: '/_schemas?rep=hal', status: 200,
    check: (r) => assert.deepEqual(r.json()._embedded['rh:schema'].map((s: any) => s._id), ['address']),
  },
  {
    name: 'HAL full: a schema is _type SCHEMA', method: 'GET', path: '/_schemas/address?rep=hal&hal=f', status: 200,
    check: (r) => {
      assert.equal(r.json()._type, 'SCHEMA');
      assert.deepEqual(r.json()._links.self, { href: '/_schemas/address' });
    },
  },
  { name: 'POST a schema with _id → 201 + Location', method: 'POST', path: '/_schemas', body: { _id: 'person', ...PERSON }, status: 201, expectHeaders: { location: /\/_schemas\/person$/ } },
  { name: 'POST a schema naming $oid as _$oid', method: 'POST', path: '/_schemas', body: `{"_id":"oid-id",${OID_ID.slice(1)}`, status: 201 },
  {
    name: '… read back as $oid', method: 'GET', path: '/_schemas/oid-id', status: 200,
    check: (r) => assert.deepEqual(r.json().properties._id.required, ['$oid']),
  },
  {
    name: 'POST a schema without _id gets an ObjectId, and the id names it',
    method: 'POST', path: '/_schemas', body: { type: 'object' }, status: 201,
    check: async (r) => {
      const loc = r.headers.get('location')!;
      const hex = loc.slice(-24);
      assert.match(hex, /^[0-9a-f]{24}$/);
      const got = await call({ url: loc.slice(0, loc.indexOf('/_schemas')) }, 'GET', `/_schemas/${hex}`);
      assert.equal(got.json().id, `http://schema-store/restheart/${hex}#`);
    },
  },
  { name: 'GET /_schemas/_size', method: 'GET', path: '/_schemas/_size', status: 200, expectBody: { _size: 4 } },
];

const STORE_BAD_INPUT: Scenario[] = [
  ['required must be an array', { type: 'object', required: 'city' }, 'Request content violates JSON Schema meta schema: #/required: must be array'],
  ['unknown type', { type: 'strange' }, 'Request content violates JSON Schema meta schema: '],
  ['minimum must be a number', { properties: { n: { minimum: 'x' } } }, 'Request content violates JSON Schema meta schema: #/properties/n/minimum: must be number'],
  ['$ref to a missing stored schema', { properties: { a: { $ref: 'http://schema-store/restheart/missing#' } } }, 'invalid schema: a $ref cannot be resolved, schema restheart/_schemas/missing not found'],
  ['$ref to another server', { properties: { a: { $ref: 'http://example.com/s.json#' } } }, "invalid schema: $ref 'http://example.com/s.json#' is not supported"],
  ['a pattern that does not compile', { properties: { a: { pattern: '(' } } }, 'invalid schema: schema restheart/_schemas/bad cannot be compiled'],
].map(([what, body, message]) => ({
  name: `${what} → 400`, method: 'PUT', path: '/_schemas/bad?wm=upsert', body, status: 400, check: startsWith(message as string),
}));

const STORE_REFUSED: Scenario[] = [
  ...STORE_BAD_INPUT,
  { name: '… nothing was stored', method: 'GET', path: '/_schemas/bad', status: 404 },
  { name: 'an array body → 400', method: 'POST', path: '/_schemas', body: [{ type: 'object' }], status: 400, expectBody: bad(400, 'request content must be a Json object') },
  { name: 'a numeric schema id → 400', method: 'PUT', path: '/_schemas/1?id_type=NUMBER&wm=upsert', body: { type: 'object' }, status: 400, expectBody: bad(400, 'the id of a schema must be a string or an ObjectId') },
  { name: 'body _id other than the URL id → 400', method: 'PUT', path: '/_schemas/address', body: { _id: 'other', type: 'object' }, status: 400, expectBody: bad(400, '_id in content body is different than id in URL') },
  { name: 'PATCH of one schema → 405', method: 'PATCH', path: '/_schemas/address', body: { type: 'object' }, status: 405 },
  {
    name: 'bulk PATCH of schemas → 501', method: 'PATCH', path: `/_schemas/*?filter=${enc('{"type":"object"}')}`, body: { title: 'x' }, status: 501,
    expectBody: bad(501, 'bulk PATCH of schemas is not supported: write each schema with PUT, so that it is checked'),
  },
];

const VALIDATION: Scenario[] = [
  { name: 'PUT /addresses with jsonSchema metadata', method: 'PUT', path: '/addresses', body: { jsonSchema: { schemaId: 'address' } }, status: 201 },
  { name: 'POST missing a required key → 400', method: 'POST', path: '/addresses', body: { street: 'x' }, status: 400, expectBody: bad(400, violates('address', 'required key [city] not found')) },
  { name: 'POST with a wrong type → 400', method: 'POST', path: '/addresses', body: { city: 5 }, status: 400, expectBody: bad(400, violates('address', '#/city: must be string')) },
  { name: 'POST breaking a local $ref → 400', method: 'POST', path: '/addresses', body: { city: 'Rome', zip: '1' }, status: 400, expectBody: bad(400, violates('address', "#/zip: must match pattern '^[0-9]{5}$'")) },
  { name: 'POST a valid document → 201', method: 'POST', path: '/addresses', body: { _id: 'a1', city: 'Rome', zip: '00100' }, status: 201 },
  {
    name: 'bulk POST with one violation → 400, nothing written', method: 'POST', path: '/addresses', body: [{ _id: 'b1', city: 'Milan' }, { _id: 'b2', zip: 'x' }], status: 400,
    expectBody: bad(400, violates('address', 'required key [city] not found', "#/zip: must match pattern '^[0-9]{5}$'")),
  },
  sizeIs('/addresses', 1),
  { name: 'bulk POST of valid documents → 200', method: 'POST', path: '/addresses', body: [{ _id: 'b1', city: 'Milan' }, { _id: 'b2', city: 'Turin' }], status: 200 },
  sizeIs('/addresses', 3),
  { name: 'PUT replacing with an invalid document → 400', method: 'PUT', path: '/addresses/a1', body: { zip: '00100' }, status: 400, expectBody: bad(400, violates('address', 'required key [city] not found')) },
  { name: 'PUT upsert of an invalid document → 400', method: 'PUT', path: '/addresses/c1?wm=upsert', body: { city: [] }, status: 400, expectBody: bad(400, violates('address', '#/city: must be string')) },
  { name: 'POST wm=upsert replacing with an invalid document → 400', method: 'POST', path: '/addresses?wm=upsert', body: { _id: 'a1', city: 1 }, status: 400 },
  { name: 'PATCH $unset of a required key → 400', method: 'PATCH', path: '/addresses/a1', body: { $unset: { city: 1 } }, status: 400, expectBody: bad(400, violates('address', 'required key [city] not found')) },
  { name: 'PATCH $rename of a required key → 400', method: 'PATCH', path: '/addresses/a1', body: { $rename: { city: 'town' } }, status: 400 },
  { name: 'PATCH with a plain key of the wrong type → 400', method: 'PATCH', path: '/addresses/a1', body: { 'zip': 'abc' }, status: 400 },
  { name: 'PATCH pipeline producing a wrong type → 400', method: 'PATCH', path: '/addresses/a1', body: [{ $set: { city: { $strLenCP: '$city' } } }], status: 400, expectBody: bad(400, violates('address', '#/city: must be string')) },
  docIs('/addresses/a1', { _id: 'a1', city: 'Rome', zip: '00100' }),
  { name: 'PATCH producing a valid document → 200', method: 'PATCH', path: '/addresses/a1', body: { $set: { zip: '00199' } }, status: 200 },
  { name: 'PATCH pipeline producing a valid document → 200', method: 'PATCH', path: '/addresses/a1', body: [{ $set: { city: { $toUpper: '$city' } } }], status: 200 },
  docIs('/addresses/a1', { _id: 'a1', city: 'ROME', zip: '00199' }),
  { name: 'PATCH upsert creating an invalid document → 400', method: 'PATCH', path: '/addresses/u1?wm=upsert', body: { zip: '11111' }, status: 400, expectBody: bad(400, violates('address', 'required key [city] not found')) },
  { name: '… not created', method: 'GET', path: '/addresses/u1', status: 404 },
  { name: 'PATCH upsert creating a valid document → 201', method: 'PATCH', path: '/addresses/u1?wm=upsert', body: { city: 'Pisa' }, status: 201 },
  { name: 'PATCH wm=insert of an invalid document → 400', method: 'PATCH', path: '/addresses/u2?wm=insert', body: { zip: '1' }, status: 400 },
  { name: 'PATCH wm=insert of an existing id → 409', method: 'PATCH', path: '/addresses/u1?wm=insert', body: { city: 'Pisa' }, status: 409 },
  { name: 'PATCH of a missing document → 404', method: 'PATCH', path: '/addresses/nope', body: { city: 'x' }, status: 404, expectBody: '' },
  {
    name: 'bulk PATCH → 501', method: 'PATCH', path: `/addresses/*?filter=${enc('{"city":"Pisa"}')}`, body: { city: 'P' }, status: 501,
    expectBody: bad(501, "'jsonSchema' checker does not support bulk PATCH requests. Set 'skipNotSupported:true' to allow them."),
  },
  { name: 'bulk DELETE is not validated → 200', method: 'DELETE', path: `/addresses/*?filter=${enc('{"city":"Pisa"}')}`, status: 200 },
  { name: 'skipNotSupported: true', method: 'PATCH', path: '/addresses', body: { jsonSchema: { schemaId: 'address', skipNotSupported: true } }, status: 200 },
  { name: '… bulk PATCH runs unchecked → 200', method: 'PATCH', path: `/addresses/*?filter=${enc('{"_id":"b1"}')}`, body: { $unset: { city: 1 } }, status: 200 },

  { name: 'a schema referring to another stored schema', method: 'PUT', path: '/people', body: { jsonSchema: { schemaId: 'person' } }, status: 201 },
  { name: 'POST breaking the referenced schema → 400', method: 'POST', path: '/people', body: { name: 'Ann', home: { zip: '1' } }, status: 400 },
  { name: 'POST valid through the reference → 201', method: 'POST', path: '/people', body: { name: 'Ann', home: { city: 'Rome' } }, status: 201 },
  { name: 'the referenced schema changes: zip required', method: 'PUT', path: '/_schemas/address', body: { ...ADDRESS, required: ['city', 'zip'] }, status: 200 },
  { name: '… the collection using it sees the change', method: 'POST', path: '/addresses', body: { city: 'Rome' }, status: 400, expectBody: bad(400, violates('address', 'required key [zip] not found')) },
  { name: '… and so does the schema referring to it', method: 'POST', path: '/people', body: { name: 'Bob', home: { city: 'Rome' } }, status: 400 },

  { name: 'a catastrophic pattern', method: 'PUT', path: '/_schemas/redos?wm=upsert', body: { properties: { s: { type: 'string', pattern: '^(a+)+$' } } }, status: 201 },
  { name: '… a collection using it', method: 'PUT', path: '/redos', body: { jsonSchema: { schemaId: 'redos' } }, status: 201 },
  { name: '… runs in linear time (RE2): no hang, 400', method: 'POST', path: '/redos', body: { s: `${'a'.repeat(100_000)}b` }, status: 400, check: startsWith("Request content violates schema 'redos': 1 schema violations found, #/s: must match pattern") },
  { name: '… and matches', method: 'POST', path: '/redos', body: { s: 'aaa' }, status: 201 },
  { name: 'additionalProperties: false', method: 'PUT', path: '/_schemas/closed?wm=upsert', body: { type: 'object', properties: { _id: {}, a: {} }, additionalProperties: false }, status: 201 },
  { name: '… a collection using it', method: 'PUT', path: '/closed', body: { jsonSchema: { schemaId: 'closed' } }, status: 201 },
  { name: '… an extra key → 400', method: 'POST', path: '/closed', body: { _id: 'k', a: 1, b: 2 }, status: 400, expectBody: bad(400, violates('closed', 'extraneous key [b] is not permitted')) },
  { name: '… POST and PUT validate the body without the server\'s _etag', method: 'POST', path: '/closed', body: { _id: 'k', a: 1 }, status: 201 },
  {
    name: '… PATCH validates the resulting document, _etag included (as RESTHeart)', method: 'PATCH', path: '/closed/k', body: { a: 2 }, status: 400,
    expectBody: bad(400, violates('closed', 'extraneous key [_etag] is not permitted')),
  },
  { name: 'formats are checked', method: 'PUT', path: '/_schemas/contact?wm=upsert', body: { properties: { email: { format: 'email' }, at: { format: 'date-time' } } }, status: 201 },
  { name: '… a collection using it', method: 'PUT', path: '/contacts', body: { jsonSchema: { schemaId: 'contact' } }, status: 201 },
  { name: '… a bad email → 400', method: 'POST', path: '/contacts', body: { email: 'nope' }, status: 400, expectBody: bad(400, violates('contact', "#/email: must match format 'email'")) },
  { name: '… valid formats → 201', method: 'POST', path: '/contacts', body: { email: 'a@b.org', at: '2026-12-05T10:00:00Z' }, status: 201 },
  { name: 'an ObjectId _id is validated as {"$oid": …}', method: 'PUT', path: '/oids', body: { jsonSchema: { schemaId: 'oid-id' } }, status: 201 },
  { name: '… a generated ObjectId is not validated (RESTHeart: only what the client sent)', method: 'POST', path: '/oids', body: { a: 1 }, status: 201 },
  { name: '… a client ObjectId passes', method: 'POST', path: '/oids', body: { _id: { $oid: '5d0b3ab3f4c0e3cf3f4bc8e1' } }, status: 201 },
  { name: '… a string _id violates', method: 'POST', path: '/oids', body: { _id: 'x' }, status: 400, expectBody: bad(400, violates('oid-id', '#/_id: must be object')) },

  { name: 'a collection naming a missing schema', method: 'PUT', path: '/orphans', body: { jsonSchema: { schemaId: 'nope' } }, status: 201 },
  { name: '… writes → 500 wrong jsonSchema', method: 'POST', path: '/orphans', body: { a: 1 }, status: 500, expectBody: bad(500, "wrong 'jsonSchema': schema restheart/_schemas/nope not found") },
  { name: 'jsonSchema without schemaId', method: 'PUT', path: '/misconf', body: { jsonSchema: { schemaStoreDb: 'restheart' } }, status: 201 },
  { name: '… writes → 500', method: 'POST', path: '/misconf', body: { a: 1 }, status: 500, expectBody: bad(500, "wrong 'jsonSchema': missing property schemaId") },
  { name: 'schemaStoreDb not a string', method: 'PATCH', path: '/misconf', body: { jsonSchema: { schemaId: 'address', schemaStoreDb: 1 } }, status: 200 },
  { name: '… writes → 500', method: 'POST', path: '/misconf', body: { a: 1 }, status: 500, expectBody: bad(500, "wrong 'jsonSchema': property schemaStoreDb must be a string") },
  { name: 'deleting a schema', method: 'DELETE', path: '/_schemas/person', status: 204 },
  { name: '… its collection answers 500 wrong jsonSchema', method: 'PATCH', path: '/people/x?wm=upsert', body: { name: 'x' }, status: 500 },
];

describe('schema store (embedded engine)', () => {
  scenarios({}, [...STORE, ...STORE_REFUSED]);
});

describe('validation of writes (embedded engine)', () => {
  scenarios({}, [...STORE, ...VALIDATION]);
});

describe('concurrent PATCHes of a validated document lose no update', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    for (const [m, p, body] of [['PUT', '/_schemas'], ['PUT', '/_schemas/counter?wm=upsert', { type: 'object', properties: { n: { type: 'integer', maximum: 1000 } } }],
      ['PUT', '/counters', { jsonSchema: { schemaId: 'counter' } }], ['POST', '/counters', { _id: 'c', n: 0 }]] as const) {
      const r = await call(srv, m, p, { body });
      assert.ok(r.status < 300, `${m} ${p} → ${r.status} ${r.text}`);
    }
  });
  after(async () => srv.close());
  test('40 concurrent $inc: every one applied once', async () => {
    const replies = await Promise.all(Array.from({ length: 40 }, () => call(srv, 'PATCH', '/counters/c', { body: { $inc: { n: 1 } } })));
    assert.deepEqual(replies.map((r) => r.status), replies.map(() => 200));
    assert.equal((await call(srv, 'GET', '/counters/c')).json().n, 40);
  });
});

describe('a schema store in another database (schemaStoreDb)', () => {
  scenarios({ rho: ALL_DBS }, [
    { name: 'db schemas', method: 'PUT', path: '/schemas', status: 201 },
    { name: 'its store', method: 'PUT', path: '/schemas/_schemas', status: 201 },
    { name: 'a schema', method: 'PUT', path: '/schemas/_schemas/item?wm=upsert', body: { type: 'object', required: ['sku'] }, status: 201 },
    { name: 'id names its db', method: 'GET', path: '/schemas/_schemas/item', status: 200, expectBodyPartial: { id: 'http://schema-store/schemas/item#' } },
    { name: 'db shop', method: 'PUT', path: '/shop', status: 201 },
    { name: 'a collection using the other store', method: 'PUT', path: '/shop/items', body: { jsonSchema: { schemaId: 'item', schemaStoreDb: 'schemas' } }, status: 201 },
    { name: 'invalid → 400', method: 'POST', path: '/shop/items', body: { name: 'x' }, status: 400, expectBody: bad(400, violates('item', 'required key [sku] not found')) },
    { name: 'valid → 201', method: 'POST', path: '/shop/items', body: { sku: 'x' }, status: 201 },
  ]);
});

// The MongoDB engine, through the driver against the wire server: the same validation happens in
// docrest before the write, and PATCH writes only over the version it validated.
describe('validation of writes (MongoDB engine over the wire server)', () => {
  let shim: WireShim;
  let srv: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-schemas-wire-'));
    shim = new WireShim(dir);
    const port = await shim.listen();
    srv = await startServer({ rho: `/mclient/connection-string->"mongodb://127.0.0.1:${port}/";/docrest/engine->"mongodb"` });
  });
  after(async () => {
    await srv.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const s of [...STORE, ...VALIDATION]) test(s.name, async () => { await checkScenario(srv, s); });
  test('20 concurrent $inc on a validated document: every one applied once', async () => {
    assert.equal((await call(srv, 'POST', '/addresses', { body: { _id: 'n', city: 'x', zip: '12345', n: 0 } })).status, 201);
    const replies = await Promise.all(Array.from({ length: 20 }, () => call(srv, 'PATCH', '/addresses/n', { body: { $inc: { n: 1 } } })));
    assert.deepEqual(replies.map((r) => r.status), replies.map(() => 200));
    assert.equal((await call(srv, 'GET', '/addresses/n')).json().n, 20);
  });
});
