// Malformed and hostile input on the default mount: API.md §3.1, §3.3, §3.6, §5, §14. After every
// refused write the collection must be unchanged (no half-written data).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { call, errorBody, scenarios } from '../helpers/server.ts';
import type { Reply, Scenario, TestServer } from '../helpers/server.ts';

const ERROR_KEYS = ['http status code', 'http status description', 'message'];

/** The RESTHeart error body: the three keys first, in this order. */
function errorShape(r: Reply, status: number) {
  const body = r.json();
  assert.deepEqual(Object.keys(body).slice(0, 3), ERROR_KEYS, `error body keys: ${r.text}`);
  assert.equal(body['http status code'], status);
  assert.equal(typeof body['http status description'], 'string');
  assert.ok(body['http status description'].length > 0);
  assert.equal(typeof body.message, 'string');
  return body;
}

/** Exact error body, including key order. */
const exactError = (status: number, description: string, message: string) => (r: Reply) => {
  const body = errorShape(r, status);
  assert.deepEqual(Object.keys(body), ERROR_KEYS, `no extra keys: ${r.text}`);
  assert.deepEqual(body, errorBody(status, description, message));
};

async function seed(srv: TestServer) {
  const db = await call(srv, 'PUT', '/');
  assert.ok(db.status === 201 || db.status === 200, `PUT / → ${db.status} ${db.text}`);
  assert.equal((await call(srv, 'PUT', '/c')).status, 201);
  assert.equal((await call(srv, 'POST', '/c', { body: { _id: 'seed', v: 1 } })).status, 201);
}

/** The collection still holds exactly the seed document, unchanged. */
const unchanged = (after: string): Scenario => ({
  name: `collection unchanged after ${after}`,
  method: 'GET', path: '/c?keys=%7B%22_etag%22%3A0%7D', status: 200, expectBody: [{ _id: 'seed', v: 1 }],
});

describe('bad input: malformed bodies', () => {
  scenarios({ setup: seed }, [
    {
      name: 'malformed JSON on POST → 400 Invalid JSON.',
      method: 'POST', path: '/c', body: '{"a":', status: 400,
      check: (r) => { const b = errorShape(r, 400); assert.equal(b['http status description'], 'Bad Request'); assert.ok(b.message.startsWith('Invalid JSON.'), b.message); },
    },
    unchanged('malformed POST'),
    {
      name: 'malformed bulk POST → 400 Invalid JSON.',
      method: 'POST', path: '/c', body: '[{"_id":"b1"},{"_id":"b2"},{"_id":', status: 400,
      check: (r) => assert.ok(errorShape(r, 400).message.startsWith('Invalid JSON.')),
    },
    unchanged('malformed bulk POST (nothing inserted)'),
    {
      name: 'trailing garbage after the JSON → 400 Invalid JSON.',
      method: 'POST', path: '/c', body: '{"_id":"tg"} x', status: 400,
      check: (r) => assert.ok(errorShape(r, 400).message.startsWith('Invalid JSON.')),
    },
    {
      name: 'malformed JSON on PUT of an existing document → 400',
      method: 'PUT', path: '/c/seed', body: '{"v":2,', status: 400,
      check: (r) => assert.ok(errorShape(r, 400).message.startsWith('Invalid JSON.')),
    },
    {
      name: 'malformed JSON on PATCH → 400',
      method: 'PATCH', path: '/c/seed', body: "{'v':}", status: 400,
      check: (r) => assert.ok(errorShape(r, 400).message.startsWith('Invalid JSON.')),
    },
    unchanged('malformed PUT/PATCH'),
    {
      name: 'body 42 → 400 got INT32',
      method: 'POST', path: '/c', body: '42', status: 400,
      check: exactError(400, 'Bad Request', 'request data must be either a json object or an array, got INT32'),
    },
    {
      name: 'body "str" → 400 got STRING',
      method: 'POST', path: '/c', body: '"str"', status: 400,
      check: exactError(400, 'Bad Request', 'request data must be either a json object or an array, got STRING'),
    },
    {
      name: 'body true → 400 got BOOLEAN',
      method: 'PUT', path: '/c/seed', body: 'true', status: 400,
      check: exactError(400, 'Bad Request', 'request data must be either a json object or an array, got BOOLEAN'),
    },
    unchanged('scalar bodies'),
    {
      name: 'array body on PUT of a document → 400',
      method: 'PUT', path: '/c/arr?wm=upsert', body: [{ a: 1 }], status: 400,
      check: exactError(400, 'Bad Request', 'request content must be a Json object'),
    },
    {
      name: 'array body on PUT of an existing document → 400',
      method: 'PUT', path: '/c/seed', body: [{ v: 2 }], status: 400,
      check: exactError(400, 'Bad Request', 'request content must be a Json object'),
    },
    unchanged('array PUT'),
    {
      name: 'text/plain → 415',
      method: 'POST', path: '/c', headers: { 'Content-Type': 'text/plain' }, body: '{"_id":"tp"}', status: 415,
      check: exactError(415, 'Unsupported Media Type', 'Content-Type must be either: application/json or application/hal+json'),
    },
    {
      name: 'text/plain on PATCH → 415',
      method: 'PATCH', path: '/c/seed', headers: { 'Content-Type': 'text/plain' }, body: '{"v":2}', status: 415,
      check: exactError(415, 'Unsupported Media Type', 'Content-Type must be either: application/json or application/hal+json'),
    },
    unchanged('415s'),
    {
      name: '_id array on POST → 400',
      method: 'POST', path: '/c', body: { _id: [1, 2], a: 1 }, status: 400,
      check: exactError(400, 'Bad Request', 'the type of _id in request data is not supported: ARRAY'),
    },
    {
      name: '_id array on PATCH → 400',
      method: 'PATCH', path: '/c/seed', body: { _id: ['seed'] }, status: 400,
      check: (r) => errorShape(r, 400),
    },
    unchanged('_id arrays'),
    {
      name: 'bulk POST with a non-object element → 400, nothing inserted',
      method: 'POST', path: '/c', body: '[{"_id":"k1"},5]', status: 400,
      check: (r) => errorShape(r, 400),
    },
    {
      name: 'bulk POST with an update operator in one element → 400',
      method: 'POST', path: '/c', body: [{ _id: 'k2' }, { _id: 'k3', $set: { a: 1 } }], status: 400,
      check: exactError(400, 'Bad Request', 'update operators (but $currentDate) cannot be used on POST and PUT requests'),
    },
    unchanged('refused bulk POSTs'),
    {
      name: 'PATCH pipeline with a non-object stage → 400',
      method: 'PATCH', path: '/c/seed', body: '[1]', status: 400,
      check: (r) => errorShape(r, 400),
    },
    unchanged('refused pipeline PATCH'),
  ]);
});

describe('bad input: hostile requests', () => {
  const deep = '['.repeat(10_000);
  scenarios({ setup: seed }, [
    {
      name: '10,000 unclosed [ → 4xx with an error body, not 500',
      method: 'POST', path: '/c', body: deep, status: 400,
      check: (r) => errorShape(r, 400),
    },
    {
      name: '10,000 nested, closed arrays → 4xx, not 500',
      method: 'POST', path: '/c', body: `${deep}${']'.repeat(10_000)}`, status: 400,
      check: (r) => errorShape(r, 400),
    },
    {
      name: '10,000 nested [ as a document field → 4xx, not 500',
      method: 'POST', path: '/c', body: `{"_id":"deep","a":${deep}${']'.repeat(10_000)}}`, status: 400,
      check: (r) => errorShape(r, 400),
    },
    { name: 'the server still answers', method: 'GET', path: '/c/seed', status: 200, expectBodyPartial: { _id: 'seed', v: 1 } },
    unchanged('deep nesting'),
    // BSON keys end at a NUL: a key holding one cannot be stored
    ...(['POST /c', 'PUT /c/seed', 'PATCH /c/seed'] as const).map((what): Scenario => {
      const [method, path] = what.split(' ') as [string, string];
      return {
        name: `a key holding a NUL, ${what} → 400`, method, path, body: method === 'PATCH' ? { $set: { 'a\u0000b': 1 } } : { 'a\u0000b': 1 }, status: 400,
        check: (r) => assert.match(errorShape(r, 400).message, /null bytes/),
      };
    }),
    {
      name: 'a key holding a NUL in a bulk POST → 207, the document refused with BadValue',
      method: 'POST', path: '/c', body: [{ 'a\u0000b': 1 }], status: 207,
      check: (r) => assert.deepEqual(r.json().errors.map((e: Record<string, unknown>) => [e.mongodbErrorCode, e.httpStatus]), [[2, 400]]),
    },
    unchanged('keys holding a NUL'),
    {
      name: 'invalid percent-encoding in a document id → 400',
      method: 'GET', path: '/c/%E0%A4%A', status: 400,
      check: (r) => errorShape(r, 400),
    },
    {
      name: 'invalid percent-encoding in a collection name → 400',
      method: 'GET', path: '/%zz', status: 400,
      check: (r) => errorShape(r, 400),
    },
    {
      name: 'invalid UTF-8 escape in a write path → 400',
      method: 'PUT', path: '/c/%C3%28?wm=upsert', body: { a: 1 }, status: 400,
      check: (r) => errorShape(r, 400),
    },
    unchanged('bad paths'),
    { name: 'the server still answers after all that', method: 'GET', path: '/c/_size', status: 200, expectBody: { _size: 1 } },
  ]);
});

describe('bad input: body size limit (docrest.max-body-size = 100)', () => {
  scenarios({ rho: '/docrest/max-body-size->100', setup: seed }, [
    {
      name: 'a body over the limit → 413 with the RESTHeart error body',
      method: 'POST', path: '/c', body: { _id: 'big', pad: 'x'.repeat(200) }, status: 413,
      check: (r) => errorShape(r, 413),
    },
    {
      name: 'a bulk body over the limit → 413',
      method: 'POST', path: '/c', body: Array.from({ length: 20 }, (_, i) => ({ _id: `b${i}` })), status: 413,
      check: (r) => errorShape(r, 413),
    },
    unchanged('413s'),
    { name: 'a body under the limit is accepted', method: 'POST', path: '/c', body: { _id: 'small' }, status: 201 },
  ]);
});

/** A body sent in 64 KB pieces without a Content-Length (Transfer-Encoding: chunked). */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, (at += 65_536)));
    },
  });
}

// Bodies from 256 KB on are parsed a slice at a time (api/body.ts): the same answers as a small body's.
describe('bad input: large bodies', () => {
  const doc = (i: number) => ({ _id: `big${i}`, text: 'x'.repeat(500) });
  const bulk = Array.from({ length: 600 }, (_, i) => doc(i));
  const bulkText = JSON.stringify(bulk);
  assert.ok(bulkText.length > 256 * 1024);
  // keys take all but the last two (a key cannot hold a NUL)
  const odd = ['"', '\\', ']', '[', '}', '{', ',', "'", '\n', 'é', '中', '😀', '/', '\u0000'];
  const tricky = Array.from({ length: 600 }, (_, i) => ({ _id: `tricky${String(i).padStart(3, '0')}`, s: odd.map((c, j) => c.repeat(1 + ((i + j) % 3))).join(' ') + 'x'.repeat(400), [`k${odd[i % (odd.length - 2)]}`]: [odd[i % odd.length]] }));
  scenarios({ setup: seed }, [
    {
      name: 'a malformed large bulk POST → 400 Invalid JSON.',
      method: 'POST', path: '/c', body: bulkText.slice(0, -2), status: 400,
      check: (r) => assert.ok(errorShape(r, 400).message.startsWith('Invalid JSON.')),
    },
    unchanged('a malformed large bulk POST (nothing inserted)'),
    {
      name: 'a large array with a value that is not an object → 400',
      method: 'POST', path: '/c', body: JSON.stringify([...bulk, 1]), status: 400,
      check: exactError(400, 'Bad Request', 'request data must be either a json object or an array of objects'),
    },
    unchanged('a large array with a non-object'),
    {
      name: 'a large bulk POST inserts every document',
      method: 'POST', path: '/c', body: bulkText, status: 200,
      check: (r) => assert.equal(r.json().inserted, 600),
    },
    { name: 'the last of them reads back', method: 'GET', path: '/c/big599?keys=%7B%22_etag%22%3A0%7D', status: 200, expectBody: doc(599) },
    {
      name: 'a large single document → 201',
      method: 'POST', path: '/c', body: JSON.stringify({ _id: 'one', text: 'y'.repeat(300_000) }), status: 201,
    },
    { name: 'it reads back whole', method: 'GET', path: '/c/one?keys=%7B%22text%22%3A1%7D', status: 200, check: (r) => assert.equal(r.json().text.length, 300_000) },
    {
      // the items of a large array are found in its bytes (json/parse-bytes.ts): strings full of what ends an item
      name: 'a large bulk POST whose strings hold quotes, escapes, brackets, commas and UTF-8 → 200',
      method: 'POST', path: '/c', body: JSON.stringify(tricky), status: 200,
      check: (r) => assert.equal(r.json().inserted, tricky.length),
    },
    { name: 'its documents read back exactly', method: 'GET', path: '/c?filter=%7B%22_id%22%3A%7B%22%24regex%22%3A%22%5Etricky%22%7D%7D&sort=%7B%22_id%22%3A1%7D&pagesize=1000&keys=%7B%22_etag%22%3A0%7D', status: 200, expectBody: [...tricky].sort((a, b) => (a._id < b._id ? -1 : 1)) },
    {
      name: 'a large bulk POST sent without Content-Length (chunked) → 200',
      method: 'POST', path: '/c', body: chunked(JSON.stringify(bulk.map((d) => ({ ...d, _id: `chunked-${d._id}` })))), status: 200,
      check: (r) => assert.equal(r.json().inserted, 600),
    },
    { name: 'the last of them reads back', method: 'GET', path: '/c/chunked-big599?keys=%7B%22_etag%22%3A0%7D', status: 200, expectBody: { ...doc(599), _id: 'chunked-big599' } },
  ]);
});
