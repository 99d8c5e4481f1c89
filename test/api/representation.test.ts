// Representation of responses, black box over HTTP: API.md §3.4 (jsonMode output), §3.2 (relaxed
// input), §3.5 (content type, compression), §6 and §16 (STANDARD, HAL, SHAL).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe } from 'node:test';
import { gunzipSync, inflateSync } from 'node:zlib';
import { ADMIN, call, errorBody, scenarios, type Reply, type TestServer } from '../helpers/server.ts';

const JSON_CT = 'application/json; charset=UTF-8';
const HAL_CT = 'application/hal+json';
const ALL_DBS = '/mongo/mongo-mounts[1]->{"what":"*","where":"/"}';
const OID = '5d0b3ab3f4c0e3cf3f4bc8e1';
const OID2 = '5d0b3ab3f4c0e3cf3f4bc8e2';
const MS = 1568295769260; // 2019-09-12T13:42:49.260Z
const t = (href: string) => ({ href, templated: true });

async function must(srv: TestServer, method: string, path: string, status: number, body?: unknown): Promise<Reply> {
  const r = await call(srv, method, path, { body });
  assert.equal(r.status, status, `setup ${method} ${path} → ${r.status} ${r.text}`);
  return r;
}

/** The server-set `_etag` varies: replace it (relaxed/extended/strict or shell form) by "E". */
function normEtag(text: string): string {
  return text.replace(/"_etag":(\{"\$oid":"[0-9a-f]{24}"\}|ObjectId\("[0-9a-f]{24}"\))/g, '"_etag":"E"');
}

const etagOf = (r: Reply) => ({ $oid: r.headers.get('etag') ?? 'missing ETag' });

/** `_lastupdated_on` of a document: the _etag ObjectId's timestamp, ISO, second precision. */
function lastUpdatedOn(etagHex: string): string {
  return new Date(parseInt(etagHex.slice(0, 8), 16) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function raw(srv: TestServer, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(srv.url + path, { method: 'GET', headers: { Authorization: ADMIN, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// ------------------------------------------------------------------------------------------------
// §3.4 jsonMode

// Int32, Double, Int64 (wrapped, small, bare literal beyond 2^53), Double in E-notation, negative
// Double, Decimal128, Date, ObjectId, Binary, Timestamp.
const TYPED = `{"_id":"t1","i":1,"d":1.0,"l":{"$numberLong":"9007199254740993"},"ls":{"$numberLong":"5"},"big":9007199254740993,`
  + `"e":1e10,"neg":-2.5,"dec":{"$numberDecimal":"1.50"},"dt":{"$date":"2019-09-12T13:42:49.260Z"},"oid":{"$oid":"${OID}"},`
  + `"bin":{"$binary":{"base64":"AQID","subType":"00"}},"ts":{"$timestamp":{"t":1,"i":2}}}`;

const OUT_DEFAULT = `{"_id":"t1","i":1,"d":1.0,"l":9007199254740993,"ls":5,"big":9007199254740993,"e":1.0E10,"neg":-2.5,`
  + `"dec":{"$numberDecimal":"1.50"},"dt":{"$date":${MS}},"oid":{"$oid":"${OID}"},"bin":{"$binary":{"base64":"AQID","subType":"00"}},`
  + `"ts":{"$timestamp":{"t":1,"i":2}},"_etag":"E"}`;
const OUT_RELAXED = `{"_id":"t1","i":1,"d":1.0,"l":9007199254740993,"ls":5,"big":9007199254740993,"e":1.0E10,"neg":-2.5,`
  + `"dec":{"$numberDecimal":"1.50"},"dt":{"$date":"2019-09-12T13:42:49.26Z"},"oid":{"$oid":"${OID}"},"bin":{"$binary":{"base64":"AQID","subType":"00"}},`
  + `"ts":{"$timestamp":{"t":1,"i":2}},"_etag":"E"}`;
const OUT_EXTENDED = `{"_id":"t1","i":{"$numberInt":"1"},"d":{"$numberDouble":"1.0"},"l":{"$numberLong":"9007199254740993"},"ls":{"$numberLong":"5"},`
  + `"big":{"$numberLong":"9007199254740993"},"e":{"$numberDouble":"1.0E10"},"neg":{"$numberDouble":"-2.5"},"dec":{"$numberDecimal":"1.50"},`
  + `"dt":{"$date":{"$numberLong":"${MS}"}},"oid":{"$oid":"${OID}"},"bin":{"$binary":{"base64":"AQID","subType":"00"}},`
  + `"ts":{"$timestamp":{"t":1,"i":2}},"_etag":"E"}`;
const OUT_STRICT = `{"_id":"t1","i":1,"d":1.0,"l":{"$numberLong":"9007199254740993"},"ls":{"$numberLong":"5"},"big":{"$numberLong":"9007199254740993"},`
  + `"e":1.0E10,"neg":-2.5,"dec":{"$numberDecimal":"1.50"},"dt":{"$date":${MS}},"oid":{"$oid":"${OID}"},"bin":{"$binary":"AQID","$type":"00"},`
  + `"ts":{"$timestamp":{"t":1,"i":2}},"_etag":"E"}`;

const rawIs = (expected: string) => (r: Reply) => assert.equal(normEtag(r.text), expected);

describe('jsonMode output (API.md §3.4): typed values round trip through POST then GET', () => {
  scenarios({
    setup: async (srv) => {
      await must(srv, 'PUT', '/types', 201);
      await must(srv, 'POST', '/types', 201, TYPED);
    },
  }, [
    { name: 'default: Int32 1, Double 1.0, Int64 exact digits, Date as millis', method: 'GET', path: '/types/t1', status: 200, check: rawIs(OUT_DEFAULT) },
    { name: 'jsonMode=relaxed: Date as trimmed ISO', method: 'GET', path: '/types/t1?jsonMode=relaxed', status: 200, check: rawIs(OUT_RELAXED) },
    { name: 'jsonMode=extended: canonical wrappers', method: 'GET', path: '/types/t1?jsonMode=extended', status: 200, check: rawIs(OUT_EXTENDED) },
    { name: 'jsonMode=strict: legacy Int64/Date/Binary', method: 'GET', path: '/types/t1?jsonMode=strict', status: 200, check: rawIs(OUT_STRICT) },
    { name: 'jsonMode is case-insensitive (EXTENDED)', method: 'GET', path: '/types/t1?jsonMode=EXTENDED', status: 200, check: rawIs(OUT_EXTENDED) },
    { name: 'jsonMode=Relaxed', method: 'GET', path: '/types/t1?jsonMode=Relaxed', status: 200, check: rawIs(OUT_RELAXED) },
    { name: 'unknown jsonMode is ignored (default output, no error)', method: 'GET', path: '/types/t1?jsonMode=bogus', status: 200, check: rawIs(OUT_DEFAULT) },
    {
      name: 'jsonMode=shell: ObjectId(), ISODate(), NumberLong("")', method: 'GET', path: '/types/t1?jsonMode=shell', status: 200,
      check: (r) => {
        for (const part of [
          '{"_id":"t1","i":1,"d":1.0,', '"l":NumberLong("9007199254740993")', `"oid":ObjectId("${OID}")`,
          '"dt":ISODate("2019-09-12T13:42:49.260Z")', '"dec":NumberDecimal("1.50")',
        ]) assert.ok(r.text.includes(part), `${part} in ${r.text}`);
        assert.match(r.text, /"_etag":ObjectId\("[0-9a-f]{24}"\)\}$/);
      },
    },
    {
      name: 'jsonMode applies to listings', method: 'GET', path: '/types?jsonMode=extended', status: 200,
      check: (r) => assert.equal(normEtag(r.text), `[${OUT_EXTENDED}]`),
    },
    { name: 'listing default', method: 'GET', path: '/types', status: 200, check: (r) => assert.equal(normEtag(r.text), `[${OUT_DEFAULT}]`) },
    {
      name: 'responses are minified', method: 'GET', path: '/types/t1', status: 200,
      check: (r) => assert.doesNotMatch(r.text, /\n|": /),
    },
    {
      name: 'Int64 filter keeps full precision (…993 matches, …992 does not)', method: 'GET',
      path: `/types?filter=${encodeURIComponent("{'l':9007199254740992}")}`, status: 200, expectBody: [],
      todo: 'the embedded engine compares Int64 beyond 2^53 as doubles in filters (stored values stay exact)',
    },
    {
      name: 'Int64 filter with $numberLong', method: 'GET', path: `/types?filter=${encodeURIComponent("{'l':{'$numberLong':'9007199254740993'}}")}`,
      status: 200, check: (r) => assert.equal(normEtag(r.text), `[${OUT_DEFAULT}]`),
    },
    {
      name: 'date filter with {$date: ISO}', method: 'GET', path: `/types?filter=${encodeURIComponent("{'dt':{'$gte':{'$date':'2019-09-12T13:42:49.260Z'}}}")}`,
      status: 200, check: (r) => assert.equal(normEtag(r.text), `[${OUT_DEFAULT}]`),
    },
    {
      name: 'date filter after the value matches nothing', method: 'GET', path: `/types?filter=${encodeURIComponent(`{'dt':{'$gt':{'$date':${MS}}}}`)}`,
      status: 200, expectBody: [],
    },
  ]);
});

describe('relaxed JSON input (API.md §3.2): bodies and filters', () => {
  scenarios({ setup: async (srv) => { await must(srv, 'PUT', '/rx', 201); } }, [
    {
      name: 'single quotes and unquoted keys', method: 'POST', path: '/rx', body: `{'_id':'r1', a:1, 'b':'x', c:{d:"it's"}}`, status: 201,
    },
    { name: '… stored as standard JSON', method: 'GET', path: '/rx/r1', status: 200, check: rawIs('{"_id":"r1","a":1,"b":"x","c":{"d":"it\'s"},"_etag":"E"}') },
    { name: 'shell ObjectId("…") in a body', method: 'POST', path: '/rx', body: `{"_id":"r2","ref":ObjectId("${OID}")}`, status: 201 },
    { name: '… stored as an ObjectId', method: 'GET', path: '/rx/r2', status: 200, check: rawIs(`{"_id":"r2","ref":{"$oid":"${OID}"},"_etag":"E"}`) },
    {
      name: 'shell ISODate, NumberLong, NumberDecimal in a body', method: 'POST', path: '/rx',
      body: '{"_id":"r3","d":ISODate("2019-09-12T13:42:49.260Z"),"l":NumberLong("9007199254740993"),"n":NumberDecimal("2.50")}', status: 201,
    },
    {
      name: '… stored typed', method: 'GET', path: '/rx/r3?jsonMode=extended', status: 200,
      check: rawIs(`{"_id":"r3","d":{"$date":{"$numberLong":"${MS}"}},"l":{"$numberLong":"9007199254740993"},"n":{"$numberDecimal":"2.50"},"_etag":"E"}`),
    },
    {
      name: 'legacy {$date: millis} and {$date: {$numberLong}} in a body', method: 'POST', path: '/rx',
      body: `{"_id":"r4","a":{"$date":${MS}},"b":{"$date":{"$numberLong":"${MS}"}},"i":{"$numberInt":"7"},"x":{"$numberDouble":"2.0"}}`, status: 201,
    },
    { name: '… stored as Dates, Int32, Double', method: 'GET', path: '/rx/r4', status: 200, check: rawIs(`{"_id":"r4","a":{"$date":${MS}},"b":{"$date":${MS}},"i":7,"x":2.0,"_etag":"E"}`) },
    { name: 'extended JSON $oid as _id', method: 'POST', path: '/rx', body: `{'_id':{'$oid':'${OID2}'},'k':'v'}`, status: 201, expectHeaders: { Location: new RegExp(`/rx/${OID2}$`) } },
    {
      name: "filter {'_id':{'$oid':…}} matches the ObjectId", method: 'GET', path: `/rx?filter=${encodeURIComponent(`{'_id':{'$oid':'${OID2}'}}`)}`, status: 200,
      check: (r) => assert.equal(normEtag(r.text), `[{"_id":{"$oid":"${OID2}"},"k":"v","_etag":"E"}]`),
    },
    {
      name: "filter {'_id':'<hex>'} (string) does not match the ObjectId", method: 'GET', path: `/rx?filter=${encodeURIComponent(`{'_id':'${OID2}'}`)}`,
      status: 200, expectBody: [],
    },
    {
      name: 'filter with shell ObjectId()', method: 'GET', path: `/rx?filter=${encodeURIComponent(`{ref:ObjectId("${OID}")}`)}`, status: 200,
      check: (r) => assert.equal(normEtag(r.text), `[{"_id":"r2","ref":{"$oid":"${OID}"},"_etag":"E"}]`),
    },
    {
      name: 'filter with unquoted keys and single quotes', method: 'GET', path: `/rx?filter=${encodeURIComponent("{b:'x', a:{$gte:1}}")}`, status: 200,
      check: (r) => assert.deepEqual(r.json().map((d: { _id: unknown }) => d._id), ['r1']),
    },
    { name: '24-hex URL id is an ObjectId', method: 'GET', path: `/rx/${OID2}`, status: 200, check: rawIs(`{"_id":{"$oid":"${OID2}"},"k":"v","_etag":"E"}`) },
  ]);
});

// ------------------------------------------------------------------------------------------------
// §3.5 content type and compression

describe('Content-Type (API.md §3.5)', () => {
  scenarios({ setup: async (srv) => { await must(srv, 'PUT', '/ct', 201); } }, [
    { name: 'PUT collection 201, empty body', method: 'PUT', path: '/ct2', status: 201, expectBody: '', expectHeaders: { 'Content-Type': JSON_CT } },
    { name: 'POST document 201, empty body', method: 'POST', path: '/ct', body: { _id: 'x', a: 1 }, status: 201, expectBody: '', expectHeaders: { 'Content-Type': JSON_CT } },
    { name: 'PATCH document 200, empty body', method: 'PATCH', path: '/ct/x', body: { b: 2 }, status: 200, expectBody: '', expectHeaders: { 'Content-Type': JSON_CT } },
    { name: 'GET document', method: 'GET', path: '/ct/x', status: 200, expectHeaders: { 'Content-Type': JSON_CT } },
    { name: 'GET collection', method: 'GET', path: '/ct', status: 200, expectHeaders: { 'Content-Type': JSON_CT } },
    { name: 'GET _size', method: 'GET', path: '/ct/_size', status: 200, expectBody: { _size: 1 }, expectHeaders: { 'Content-Type': JSON_CT } },
    // decided: no Content-Type on 204 (RFC 9110: there is no content to describe), unlike RESTHeart
    { name: 'DELETE document 204, empty body, no Content-Type', method: 'DELETE', path: '/ct/x', status: 204, expectBody: '', expectHeaders: { 'Content-Type': null } },
    {
      name: 'error 404', method: 'GET', path: '/ct/x', status: 404, expectBody: errorBody(404, 'Not Found', "document 'x' does not exist"),
      expectHeaders: { 'Content-Type': JSON_CT },
    },
    {
      name: 'error in HAL keeps the JSON error body', method: 'GET', path: '/nope?rep=hal', status: 404,
      expectBody: errorBody(404, 'Not Found', "Collection 'nope' does not exist"),
    },
    { name: 'X-Powered-By on authorised responses', method: 'GET', path: '/ct', status: 200, expectHeaders: { 'X-Powered-By': 'restheart.org', Date: /GMT$/ } },
  ]);
});

describe('compression (API.md §3.5)', () => {
  const N = 60;
  let srv: TestServer;
  // fetch decodes transparently: the raw Content-Encoding is checked with node:http in `check`
  scenarios({
    setup: async (s) => {
      srv = s;
      await must(s, 'PUT', '/big', 201);
      const docs = Array.from({ length: N }, (_, i) => ({ _id: `d${String(i).padStart(3, '0')}`, text: 'lorem ipsum dolor sit amet '.repeat(3) }));
      await must(s, 'POST', '/big', 200, docs);
    },
  }, [
    {
      name: 'gzip: Content-Encoding gzip, body gunzips to the listing', method: 'GET', path: '/big', headers: { 'Accept-Encoding': 'gzip' }, status: 200,
      check: async (fetched) => {
        assert.equal(fetched.json().length, N);
        const r = await raw(srv, '/big', { 'Accept-Encoding': 'gzip' });
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-encoding'], 'gzip');
        assert.equal(r.headers['content-type'], JSON_CT);
        const docs = JSON.parse(gunzipSync(r.body).toString('utf8'));
        assert.equal(docs.length, N);
        assert.equal(docs[0]._id, `d0${N - 1}`);
      },
    },
    {
      name: 'deflate: Content-Encoding deflate', method: 'GET', path: '/big', headers: { 'Accept-Encoding': 'deflate' }, status: 200,
      check: async () => {
        const r = await raw(srv, '/big', { 'Accept-Encoding': 'deflate' });
        assert.equal(r.headers['content-encoding'], 'deflate');
        assert.equal(JSON.parse(inflateSync(r.body).toString('utf8')).length, N);
      },
    },
    {
      name: 'HAL full listing is gzipped too (RESTHeart test: GET ?hal=f)', method: 'GET', path: '/big?rep=hal&hal=f', status: 200,
      check: async () => {
        const r = await raw(srv, '/big?rep=hal&hal=f', { 'Accept-Encoding': 'gzip' });
        assert.equal(r.headers['content-encoding'], 'gzip');
        assert.equal(JSON.parse(gunzipSync(r.body).toString('utf8'))._returned, N);
      },
    },
    {
      name: 'no Accept-Encoding: identity', method: 'GET', path: '/big', status: 200,
      check: async () => {
        const r = await raw(srv, '/big', {});
        assert.equal(r.headers['content-encoding'], undefined);
        assert.equal(JSON.parse(r.body.toString('utf8')).length, N);
      },
    },
  ]);
});

// ------------------------------------------------------------------------------------------------
// §6, §16 HAL / SHAL

describe('HAL/SHAL: root and db listings (mount what:"*")', () => {
  const s: Record<string, { $oid: string }> = {};
  scenarios({
    rho: ALL_DBS,
    setup: async (srv) => {
      s.db1 = etagOf(await must(srv, 'PUT', '/db1', 201, { descr: 'first' }));
      s.db2 = etagOf(await must(srv, 'PUT', '/db2', 201));
      s.c1 = etagOf(await must(srv, 'PUT', '/db1/c1', 201, { x: 1 }));
      s.c2 = etagOf(await must(srv, 'PUT', '/db1/c2', 201));
      s.restheart = etagOf(await must(srv, 'PUT', '/restheart', 200));
    },
  }, [
    { name: 'STANDARD root: sorted db names', method: 'GET', path: '/', status: 200, expectBody: ['db1', 'db2', 'restheart'], expectHeaders: { 'Content-Type': JSON_CT } },
    {
      name: 'HAL compact root', method: 'GET', path: '/?rep=hal', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_size', '_total_pages', '_returned', '_embedded']);
        assert.deepEqual(b, {
          _size: 3, _total_pages: 1, _returned: 3,
          _embedded: { 'rh:db': [{ _id: 'db1', descr: 'first', _etag: s.db1 }, { _id: 'db2', _etag: s.db2 }, { _id: 'restheart', _etag: s.restheart }] },
        });
      },
    },
    {
      name: 'HAL full root: _type ROOT, item links, templates, pagination', method: 'GET', path: '/?rep=hal&hal=f', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_size', '_total_pages', '_returned', '_type', '_embedded', '_links']);
        assert.equal(b._type, 'ROOT');
        const db1 = b._embedded['rh:db'][0];
        assert.equal(db1._id, 'db1');
        assert.equal(db1._type, 'DB');
        assert.deepEqual(db1._links.self, { href: '/db1' });
        assert.deepEqual(b._embedded['rh:db'][2]._links.self, { href: '/restheart' });
        const l = b._links;
        assert.deepEqual(l.self, { href: '/?rep=hal&hal=f' });
        assert.deepEqual(l.first, { href: '/?pagesize=100&rep=hal&hal=f' });
        assert.deepEqual(l.last, { href: '/?pagesize=100&rep=hal&hal=f' });
        assert.equal(l.next, undefined);
        assert.equal(l.previous, undefined);
        assert.deepEqual(l['rh:root'], { href: '/' });
        assert.deepEqual(l['rh:db'], t('/{dbname}'));
        assert.deepEqual(l['rh:paging'], t('/{?page}{&pagesize}'));
      },
    },
    {
      name: 'HAL root paged: _total_pages and links', method: 'GET', path: '/?rep=hal&hal=f&pagesize=2', status: 200,
      check: (r) => {
        const b = r.json();
        assert.equal(b._size, 3);
        assert.equal(b._total_pages, 2);
        assert.equal(b._returned, 2);
        assert.deepEqual(b._links.next, { href: '/?page=2&pagesize=2&rep=hal&hal=f' });
        assert.deepEqual(b._links.last, { href: '/?page=2&pagesize=2&rep=hal&hal=f' });
      },
    },
    {
      name: 'SHAL root: flat _embedded array last', method: 'GET', path: '/?rep=shal', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_size', '_total_pages', '_returned', '_embedded']);
        assert.deepEqual(b._embedded, [{ _id: 'db1', descr: 'first', _etag: s.db1 }, { _id: 'db2', _etag: s.db2 }, { _id: 'restheart', _etag: s.restheart }]);
      },
    },
    {
      name: 'SHAL root + np: bare array', method: 'GET', path: '/?rep=shal&np', status: 200,
      check: (r) => assert.deepEqual(r.json(), [{ _id: 'db1', descr: 'first', _etag: s.db1 }, { _id: 'db2', _etag: s.db2 }, { _id: 'restheart', _etag: s.restheart }]),
    },
    { name: 'STANDARD db: sorted collection names', method: 'GET', path: '/db1', status: 200, expectBody: ['c1', 'c2'] },
    {
      name: 'HAL compact db: own metadata, counts, rh:coll', method: 'GET', path: '/db1?rep=hal', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'descr', '_etag', '_size', '_total_pages', '_returned', '_embedded']);
        assert.deepEqual(b, {
          _id: 'db1', descr: 'first', _etag: s.db1, _size: 2, _total_pages: 1, _returned: 2,
          _embedded: { 'rh:coll': [{ _id: 'c1', x: 1, _etag: s.c1 }, { _id: 'c2', _etag: s.c2 }] },
        });
      },
    },
    {
      name: 'HAL db + np: no own properties', method: 'GET', path: '/db1?rep=hal&np', status: 200,
      check: (r) => assert.deepEqual(r.json(), {
        _size: 2, _total_pages: 1, _returned: 2, _embedded: { 'rh:coll': [{ _id: 'c1', x: 1, _etag: s.c1 }, { _id: 'c2', _etag: s.c2 }] },
      }),
    },
    {
      name: 'HAL full db: _type DB, COLLECTION items, templates', method: 'GET', path: '/db1?rep=hal&hal=f', status: 200,
      check: (r) => {
        const b = r.json();
        assert.equal(b._type, 'DB');
        const c1 = b._embedded['rh:coll'][0];
        assert.equal(c1._type, 'COLLECTION');
        assert.deepEqual(c1._links.self, { href: '/db1/c1' });
        const l = b._links;
        assert.deepEqual(l.self, { href: '/db1?rep=hal&hal=f' });
        assert.deepEqual(l['rh:root'], { href: '/' });
        assert.deepEqual(l['rh:coll'], t('/db1/{collname}'));
        assert.deepEqual(l['rh:bucket'], t('/db1/{bucketname}.files'));
        assert.deepEqual(l['rh:paging'], t('/db1{?page}{&pagesize}'));
        assert.deepEqual(l.first, { href: '/db1?pagesize=100&rep=hal&hal=f' });
      },
    },
    {
      name: 'SHAL db', method: 'GET', path: '/db1?rep=shal', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'descr', '_etag', '_size', '_total_pages', '_returned', '_embedded']);
        assert.deepEqual(b._embedded, [{ _id: 'c1', x: 1, _etag: s.c1 }, { _id: 'c2', _etag: s.c2 }]);
      },
    },
    {
      name: 'PJ db + np: bare array', method: 'GET', path: '/db1?rep=pj&np', status: 200,
      check: (r) => assert.deepEqual(r.json(), [{ _id: 'c1', x: 1, _etag: s.c1 }, { _id: 'c2', _etag: s.c2 }]),
    },
    {
      name: 'HAL db with pagesize=0: counts only, no _total_pages, no _embedded', method: 'GET', path: '/db1?rep=hal&pagesize=0', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'db1', descr: 'first', _etag: s.db1, _size: 2, _returned: 0 }),
    },
    { name: 'np has no effect in STANDARD', method: 'GET', path: '/db1?np', status: 200, expectBody: ['c1', 'c2'] },
  ]);
});

describe('HAL/SHAL: collection listing and document (mount what:"*")', () => {
  const s: Record<string, { $oid: string }> = {};
  let docs: any[] = [];
  scenarios({
    rho: ALL_DBS,
    setup: async (srv) => {
      await must(srv, 'PUT', '/db1', 201);
      s.c1 = etagOf(await must(srv, 'PUT', '/db1/c1', 201, { x: 1 }));
      s.empty = etagOf(await must(srv, 'PUT', '/db1/empty', 201));
      for (const id of ['a', 'b', 'c']) await must(srv, 'PUT', `/db1/c1/${id}?wm=upsert`, 201, { n: id.charCodeAt(0) - 96 });
      docs = (await must(srv, 'GET', '/db1/c1', 200)).json();
      assert.deepEqual(docs.map((d) => d._id), ['c', 'b', 'a']);
    },
  }, [
    {
      name: 'HAL compact collection, no count: no _size/_total_pages', method: 'GET', path: '/db1/c1?rep=hal', status: 200,
      expectHeaders: { 'X-Count-Strategy': null },
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'x', '_etag', '_returned', '_embedded']);
        assert.deepEqual(b, { _id: 'c1', x: 1, _etag: s.c1, _returned: 3, _embedded: { 'rh:doc': docs } });
      },
    },
    {
      name: 'HAL compact collection with count: _size, _total_pages, X-Count-Strategy exact', method: 'GET', path: '/db1/c1?rep=hal&count', status: 200,
      expectHeaders: { 'X-Count-Strategy': 'exact' },
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'x', '_etag', '_size', '_total_pages', '_returned', '_embedded']);
        assert.deepEqual(b, { _id: 'c1', x: 1, _etag: s.c1, _size: 3, _total_pages: 1, _returned: 3, _embedded: { 'rh:doc': docs } });
      },
    },
    {
      name: 'count with a filter counts matches', method: 'GET', path: `/db1/c1?rep=hal&count&pagesize=1&filter=${encodeURIComponent("{'n':{'$gte':2}}")}`, status: 200,
      expectHeaders: { 'X-Count-Strategy': 'exact' },
      expectBodyPartial: { _size: 2, _total_pages: 2, _returned: 1 },
    },
    { name: 'count=estimated without filter', method: 'GET', path: '/db1/c1?rep=hal&count=estimated', status: 200, expectHeaders: { 'X-Count-Strategy': 'estimated' }, expectBodyPartial: { _size: 3 } },
    {
      name: 'STANDARD with count: still the bare array, X-Count-Strategy set', method: 'GET', path: '/db1/c1?count', status: 200,
      expectHeaders: { 'Content-Type': JSON_CT, 'X-Count-Strategy': 'exact' }, check: (r) => assert.deepEqual(r.json(), docs),
    },
    { name: 'STANDARD pagesize=0: empty body', method: 'GET', path: '/db1/c1?pagesize=0', status: 200, expectBody: '' },
    { name: 'STANDARD pagesize=0 with count: empty body, count header', method: 'GET', path: '/db1/c1?pagesize=0&count', status: 200, expectBody: '', expectHeaders: { 'X-Count-Strategy': 'exact' } },
    {
      name: 'HAL pagesize=0 with count: _size, no _total_pages, _returned 0, no _embedded', method: 'GET', path: '/db1/c1?rep=hal&pagesize=0&count', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'c1', x: 1, _etag: s.c1, _size: 3, _returned: 0 }),
    },
    {
      name: 'HAL + np: no collection properties', method: 'GET', path: '/db1/c1?rep=hal&np', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _returned: 3, _embedded: { 'rh:doc': docs } }),
    },
    {
      name: 'SHAL collection: flat _embedded last, no _links', method: 'GET', path: '/db1/c1?rep=shal&count', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'x', '_etag', '_size', '_total_pages', '_returned', '_embedded']);
        assert.deepEqual(b._embedded, docs);
      },
    },
    { name: 'rep=pj is SHAL', method: 'GET', path: '/db1/c1?rep=pj', status: 200, check: (r) => assert.deepEqual(r.json(), { _id: 'c1', x: 1, _etag: s.c1, _returned: 3, _embedded: docs }) },
    { name: 'rep=PLAIN_JSON is SHAL', method: 'GET', path: '/db1/c1?rep=PLAIN_JSON', status: 200, check: (r) => assert.deepEqual(r.json(), { _id: 'c1', x: 1, _etag: s.c1, _returned: 3, _embedded: docs }) },
    { name: 'SHAL + np: bare array = STANDARD', method: 'GET', path: '/db1/c1?rep=shal&np', status: 200, check: (r) => assert.deepEqual(r.json(), docs) },
    { name: 'rep is case-insensitive (HAL, S)', method: 'GET', path: '/db1/c1?rep=HAL&np', status: 200, check: (r) => assert.deepEqual(r.json(), { _returned: 3, _embedded: { 'rh:doc': docs } }) },
    { name: 'rep=s is STANDARD', method: 'GET', path: '/db1/c1?rep=s', status: 200, expectHeaders: { 'Content-Type': JSON_CT }, check: (r) => assert.deepEqual(r.json(), docs) },
    { name: 'invalid rep: default used, no error', method: 'GET', path: '/db1/c1?rep=bogus', status: 200, check: (r) => assert.deepEqual(r.json(), docs) },
    { name: 'hal=f alone does not switch to HAL', method: 'GET', path: '/db1/c1?hal=f', status: 200, check: (r) => assert.deepEqual(r.json(), docs) },
    {
      name: 'invalid hal value → 400', method: 'GET', path: '/db1/c1?rep=hal&hal=x', status: 400,
      expectBody: errorBody(400, 'Bad Request', 'illegal hal parameter; valid values are [FULL, F, COMPACT, C]'),
    },
    {
      name: 'HAL empty collection: _returned 0, no _embedded', method: 'GET', path: '/db1/empty?rep=hal', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'empty', _etag: s.empty, _returned: 0 }),
    },
    {
      name: 'SHAL empty collection: _embedded []', method: 'GET', path: '/db1/empty?rep=shal', status: 200,
      check: (r) => assert.deepEqual(r.json(), { _id: 'empty', _etag: s.empty, _returned: 0, _embedded: [] }),
    },
    {
      name: 'HAL full collection (P with 2 segments): rh:db, templates, item links', method: 'GET', path: '/db1/c1?rep=hal&hal=f', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'x', '_etag', '_returned', '_type', '_embedded', '_links']);
        assert.equal(b._type, 'COLLECTION');
        const c = b._embedded['rh:doc'][0];
        const etagHex = docs[0]._etag.$oid;
        assert.deepEqual(c, { ...docs[0], _type: 'DOCUMENT', _lastupdated_on: lastUpdatedOn(etagHex), _links: { self: { href: '/db1/c1/c' } } });
        assert.deepEqual(Object.keys(c), ['_id', 'n', '_etag', '_type', '_lastupdated_on', '_links']);
        // no count: total pages unknown → first and next, no last
        assert.deepEqual(b._links, {
          self: { href: '/db1/c1?rep=hal&hal=f' },
          first: { href: '/db1/c1?pagesize=100&rep=hal&hal=f' },
          next: { href: '/db1/c1?page=2&pagesize=100&rep=hal&hal=f' },
          'rh:db': { href: '/db1' },
          'rh:coll': t('/db1/{collname}'),
          'rh:document': t('/db1/c1/{docid}{?id_type}'),
          'rh:indexes': { href: '/db1/c1/_indexes' },
          'rh:filter': t('/db1/c1{?filter}'),
          'rh:sort': t('/db1/c1{?sort_by}'),
          'rh:paging': t('/db1/c1{?page}{&pagesize}'),
        });
      },
    },
    {
      name: 'HAL full collection with count: last, no next', method: 'GET', path: '/db1/c1?rep=hal&hal=f&count=estimated', status: 200,
      check: (r) => {
        const l = r.json()._links;
        assert.deepEqual(l.first, { href: '/db1/c1?pagesize=100&rep=hal&hal=f&count=estimated' });
        assert.deepEqual(l.last, { href: '/db1/c1?pagesize=100&rep=hal&hal=f&count=estimated' });
        assert.equal(l.next, undefined);
        assert.equal(l.previous, undefined);
      },
    },
    { name: 'document: STANDARD', method: 'GET', path: '/db1/c1/a', status: 200, expectHeaders: { 'Content-Type': JSON_CT }, check: (r) => assert.deepEqual(r.json(), docs[2]) },
    { name: 'document: HAL compact = the plain document', method: 'GET', path: '/db1/c1/a?rep=hal', status: 200, check: (r) => assert.deepEqual(r.json(), docs[2]) },
    { name: 'document: SHAL = the plain document', method: 'GET', path: '/db1/c1/a?rep=shal', status: 200, check: (r) => assert.deepEqual(r.json(), docs[2]) },
    {
      name: 'document: HAL full adds _type, _lastupdated_on, _links', method: 'GET', path: '/db1/c1/a?rep=hal&hal=f', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', 'n', '_etag', '_type', '_lastupdated_on', '_links']);
        assert.deepEqual(b, {
          ...docs[2], _type: 'DOCUMENT', _lastupdated_on: lastUpdatedOn(docs[2]._etag.$oid),
          _links: { self: { href: '/db1/c1/a' }, 'rh:coll': { href: '/db1/c1' }, 'rh:document': t('/db1/c1/{docid}{?id_type}') },
        });
      },
    },
    { name: '_size is never HAL', method: 'GET', path: '/db1/c1/_size?rep=hal', status: 200, expectBody: { _size: 3 }, expectHeaders: { 'Content-Type': JSON_CT } },
  ]);
});

describe('HAL §16.5 examples (default mount, /inventory)', () => {
  const s: { coll?: { $oid: string }; rubber?: any; paper?: any } = {};
  scenarios({
    setup: async (srv) => {
      s.coll = etagOf(await must(srv, 'PUT', '/inventory', 201));
      await must(srv, 'POST', '/inventory', 201, { item: 'paper', qty: 100 });
      await must(srv, 'POST', '/inventory', 201, { item: 'rubber', qty: 15 });
      const all = (await must(srv, 'GET', '/inventory', 200)).json();
      [s.rubber, s.paper] = all;
      assert.equal(s.rubber.item, 'rubber');
    },
  }, [
    {
      name: '?rep=hal&pagesize=1', method: 'GET', path: '/inventory?rep=hal&pagesize=1', status: 200,
      check: (r) => {
        assert.deepEqual(Object.keys(r.json()), ['_id', '_etag', '_returned', '_embedded']);
        assert.deepEqual(r.json(), { _id: 'inventory', _etag: s.coll, _returned: 1, _embedded: { 'rh:doc': [s.rubber] } });
      },
    },
    {
      name: '?rep=hal&hal=f&pagesize=1&count', method: 'GET', path: '/inventory?rep=hal&hal=f&pagesize=1&count', status: 200,
      expectHeaders: { 'X-Count-Strategy': 'exact' },
      check: (r) => {
        const b = r.json();
        assert.deepEqual(Object.keys(b), ['_id', '_etag', '_size', '_total_pages', '_returned', '_type', '_embedded', '_links']);
        const id = s.rubber._id.$oid;
        assert.deepEqual(b, {
          _id: 'inventory', _etag: s.coll, _size: 2, _total_pages: 2, _returned: 1, _type: 'COLLECTION',
          _embedded: {
            'rh:doc': [{ ...s.rubber, _type: 'DOCUMENT', _lastupdated_on: lastUpdatedOn(s.rubber._etag.$oid), _links: { self: { href: `/inventory/${id}` } } }],
          },
          _links: {
            self: { href: '/inventory?rep=hal&hal=f&pagesize=1&count' },
            first: { href: '/inventory?pagesize=1&rep=hal&hal=f&count' },
            last: { href: '/inventory?page=2&pagesize=1&rep=hal&hal=f&count' },
            next: { href: '/inventory?page=2&pagesize=1&rep=hal&hal=f&count' },
            'rh:coll': t('//{collname}'),
            'rh:document': t('/inventory/{docid}{?id_type}'),
            'rh:indexes': { href: '/inventory/_indexes' },
            'rh:filter': t('/inventory{?filter}'),
            'rh:sort': t('/inventory{?sort_by}'),
            'rh:paging': t('/inventory{?page}{&pagesize}'),
          },
        });
      },
    },
    { name: '?rep=shal&np', method: 'GET', path: '/inventory?rep=shal&np', status: 200, check: (r) => assert.deepEqual(r.json(), [s.rubber, s.paper]) },
    {
      name: 'db listing of the default mount in HAL (P = /)', method: 'GET', path: '/?rep=hal&np', status: 200,
      check: (r) => {
        const b = r.json();
        assert.deepEqual(b._embedded['rh:coll'].map((c: { _id: string }) => c._id), ['acl', 'inventory', 'users']);
        assert.deepEqual(b._embedded['rh:coll'][1], { _id: 'inventory', _etag: s.coll });
        assert.equal(b._size, 3);
        assert.equal(b._returned, 3);
      },
    },
    {
      name: 'document in HAL full under the default mount: rh:coll = parent(P)', method: 'GET', status: 200,
      get path() { return `/inventory/${s.rubber?._id.$oid}?rep=hal&hal=f`; },
      check: (r) => {
        const id = s.rubber._id.$oid;
        assert.deepEqual(r.json(), {
          ...s.rubber, _type: 'DOCUMENT', _lastupdated_on: lastUpdatedOn(s.rubber._etag.$oid),
          _links: { self: { href: `/inventory/${id}` }, 'rh:coll': { href: '/inventory' }, 'rh:document': t('/inventory/{docid}{?id_type}') },
        });
      },
    },
  ]);
});

describe('HAL pagination links (§16.3): 10 docs', () => {
  const Q = (s: string) => `/pages?${s}`;
  const links = (r: Reply) => r.json()._links;
  scenarios({
    setup: async (srv) => {
      await must(srv, 'PUT', '/pages', 201);
      await must(srv, 'POST', '/pages', 200, Array.from({ length: 10 }, (_, i) => ({ _id: i, n: i })));
    },
  }, [
    {
      name: '?count&page=2&pagesize=2&hal=f&rep=hal', method: 'GET', path: Q('count&page=2&pagesize=2&hal=f&rep=hal'), status: 200,
      expectBodyPartial: { _size: 10, _total_pages: 5, _returned: 2 },
      check: (r) => {
        const l = links(r);
        assert.deepEqual(l.first, { href: Q('pagesize=2&count&hal=f&rep=hal') });
        assert.deepEqual(l.last, { href: Q('page=5&pagesize=2&count&hal=f&rep=hal') });
        assert.deepEqual(l.next, { href: Q('page=3&pagesize=2&count&hal=f&rep=hal') });
        assert.deepEqual(l.previous, { href: Q('page=1&pagesize=2&count&hal=f&rep=hal') });
        assert.deepEqual(r.json()._embedded['rh:doc'].map((d: { _id: number }) => d._id), [7, 6]);
      },
    },
    {
      name: 'last page: no next', method: 'GET', path: Q('count&page=5&pagesize=2&hal=f&rep=hal'), status: 200,
      check: (r) => {
        const l = links(r);
        assert.equal(l.next, undefined);
        assert.deepEqual(l.previous, { href: Q('page=4&pagesize=2&count&hal=f&rep=hal') });
        assert.deepEqual(l.last, { href: Q('page=5&pagesize=2&count&hal=f&rep=hal') });
        assert.deepEqual(l.first, { href: Q('pagesize=2&count&hal=f&rep=hal') });
      },
    },
    {
      name: 'without count on page 1: first and next only', method: 'GET', path: Q('pagesize=2&hal=f&rep=hal'), status: 200,
      check: (r) => {
        const l = links(r);
        assert.deepEqual(l.first, { href: Q('pagesize=2&hal=f&rep=hal') });
        assert.deepEqual(l.next, { href: Q('page=2&pagesize=2&hal=f&rep=hal') });
        assert.equal(l.last, undefined);
        assert.equal(l.previous, undefined);
        assert.equal(r.json()._size, undefined);
        assert.equal(r.json()._total_pages, undefined);
      },
    },
    {
      name: 'embedded items link with ?id_type=NUMBER', method: 'GET', path: Q('pagesize=1&hal=f&rep=hal'), status: 200,
      check: (r) => assert.deepEqual(r.json()._embedded['rh:doc'][0]._links.self, { href: '/pages/9?id_type=NUMBER' }),
    },
    {
      name: 'links carry the percent-decoded filter', method: 'GET', path: Q(`filter=${encodeURIComponent("{'n':{'$gte':5}}")}&hal=f&rep=hal&pagesize=2&count`), status: 200,
      expectBodyPartial: { _size: 5, _total_pages: 3 },
      check: (r) => {
        const l = links(r);
        assert.deepEqual(l.first, { href: Q("pagesize=2&filter={'n':{'$gte':5}}&hal=f&rep=hal&count") });
        assert.deepEqual(l.next, { href: Q("page=2&pagesize=2&filter={'n':{'$gte':5}}&hal=f&rep=hal&count") });
        assert.deepEqual(l.last, { href: Q("page=3&pagesize=2&filter={'n':{'$gte':5}}&hal=f&rep=hal&count") });
      },
    },
    {
      name: 'self = P?Q verbatim: a valueless count stays "count"', method: 'GET', path: Q('count&page=2&pagesize=2&hal=f&rep=hal'), status: 200,
      check: (r) => assert.deepEqual(links(r).self, { href: Q('count&page=2&pagesize=2&hal=f&rep=hal') }),
    },
    {
      name: 'self = P?Q percent-decoded', method: 'GET', path: Q(`filter=${encodeURIComponent("{'n':{'$gte':5}}")}&hal=f&rep=hal&pagesize=2`), status: 200,
      check: (r) => assert.deepEqual(links(r).self, { href: Q("filter={'n':{'$gte':5}}&hal=f&rep=hal&pagesize=2") }),
    },
    {
      name: 'self without valueless params', method: 'GET', path: Q('page=3&pagesize=3&hal=f&rep=hal'), status: 200,
      check: (r) => assert.deepEqual(links(r).self, { href: Q('page=3&pagesize=3&hal=f&rep=hal') }),
    },
    {
      name: 'pagesize=0: no pagination links', method: 'GET', path: Q('pagesize=0&hal=f&rep=hal&count'), status: 200,
      check: (r) => {
        const l = links(r);
        for (const k of ['first', 'next', 'last', 'previous']) assert.equal(l[k], undefined, k);
        assert.equal(r.json()._total_pages, undefined);
      },
    },
  ]);
});

describe('HAL/SHAL Content-Type: application/hal+json, no charset (§16)', () => {
  const hal = { 'Content-Type': HAL_CT };
  scenarios({
    rho: ALL_DBS,
    setup: async (srv) => {
      await must(srv, 'PUT', '/db1', 201);
      await must(srv, 'PUT', '/db1/c1', 201);
      await must(srv, 'PUT', '/db1/c1/a?wm=upsert', 201, { n: 1 });
    },
  }, [
    { name: 'root HAL', method: 'GET', path: '/?rep=hal', status: 200, expectHeaders: hal },
    { name: 'db HAL full', method: 'GET', path: '/db1?rep=hal&hal=f', status: 200, expectHeaders: hal },
    { name: 'collection HAL', method: 'GET', path: '/db1/c1?rep=hal', status: 200, expectHeaders: hal },
    { name: 'collection SHAL', method: 'GET', path: '/db1/c1?rep=shal', status: 200, expectHeaders: hal },
    { name: 'collection SHAL + np (bare array)', method: 'GET', path: '/db1/c1?rep=shal&np', status: 200, expectHeaders: hal },
    { name: 'document HAL', method: 'GET', path: '/db1/c1/a?rep=hal', status: 200, expectHeaders: hal },
    { name: 'bulk POST HAL', method: 'POST', path: '/db1/c1?rep=hal', body: [{ _id: 'h1' }], status: 200, expectHeaders: hal },
    { name: 'bulk POST SHAL', method: 'POST', path: '/db1/c1?rep=shal', body: [{ _id: 'h2' }], status: 200, expectHeaders: hal },
    { name: 'STANDARD stays application/json; charset=UTF-8', method: 'GET', path: '/db1/c1?rep=s', status: 200, expectHeaders: { 'Content-Type': JSON_CT } },
  ]);
});

describe('bulk writes in HAL and SHAL (§16.2, §16.4)', () => {
  scenarios({ setup: async (srv) => { await must(srv, 'PUT', '/bulk', 201); } }, [
    {
      name: 'STANDARD bulk POST: counts with links', method: 'POST', path: '/bulk', body: [{ _id: 's1' }, { _id: 's2' }], status: 200,
      expectHeaders: { 'Content-Type': JSON_CT, ETag: /^[0-9a-f]{24}$/ },
      expectBody: { inserted: 2, links: ['/bulk/s1', '/bulk/s2'], deleted: 0, modified: 0, matched: 0 },
    },
    {
      name: 'HAL bulk POST: _embedded.rh:result with rh:newdoc links', method: 'POST', path: '/bulk?rep=hal', body: [{ _id: 'h1' }, { _id: 'h2' }], status: 200,
      expectBody: { _embedded: { 'rh:result': [{ inserted: 2, deleted: 0, modified: 0, matched: 0, _links: { 'rh:newdoc': [{ href: '/bulk/h1' }, { href: '/bulk/h2' }] } }] } },
    },
    {
      name: 'SHAL bulk POST: the result object itself', method: 'POST', path: '/bulk?rep=shal', body: [{ _id: 'p1' }], status: 200,
      expectBody: { inserted: 1, deleted: 0, modified: 0, matched: 0, _links: { 'rh:newdoc': [{ href: '/bulk/p1' }] } },
    },
    {
      name: 'HAL bulk PATCH: no _links when nothing inserted', method: 'PATCH', path: `/bulk/*?rep=hal&filter=${encodeURIComponent("{'_id':{'$in':['h1','h2']}}")}`,
      body: { f: 1 }, status: 200,
      expectBody: { _embedded: { 'rh:result': [{ inserted: 0, deleted: 0, modified: 2, matched: 2 }] } },
    },
    {
      name: 'SHAL bulk DELETE', method: 'DELETE', path: `/bulk/*?rep=shal&filter=${encodeURIComponent("{'_id':'p1'}")}`, status: 200,
      expectBody: { inserted: 0, deleted: 1, modified: 0, matched: 0 },
    },
    {
      name: 'HAL bulk POST with a duplicate: 207 keeps the plain object', method: 'POST', path: '/bulk?rep=hal', body: [{ _id: 's1' }, { _id: 's3' }], status: 207,
      expectBody: { inserted: 1, links: ['/bulk/s3'], deleted: 0, modified: 0, matched: 0, errors: [{ index: 0, httpStatus: 409 }] },
    },
    {
      name: 'single POST in HAL: 201 empty body', method: 'POST', path: '/bulk?rep=hal', body: { _id: 'one' }, status: 201, expectBody: '',
    },
  ]);
});

describe('default-representation-format HAL (config)', () => {
  scenarios({
    rho: '/mongo/default-representation-format->"HAL"',
    setup: async (srv) => {
      await must(srv, 'PUT', '/coll', 201);
      await must(srv, 'POST', '/coll', 201, { _id: 'a' });
    },
  }, [
    {
      name: 'listing is HAL without rep', method: 'GET', path: '/coll?np', status: 200,
      check: (r) => { assert.equal(r.json()._returned, 1); assert.equal(r.json()._embedded['rh:doc'][0]._id, 'a'); },
    },
    {
      name: 'rep=s switches back to STANDARD', method: 'GET', path: '/coll?rep=s', status: 200, expectHeaders: { 'Content-Type': JSON_CT },
      check: (r) => assert.deepEqual(r.json().map((d: { _id: string }) => d._id), ['a']),
    },
    {
      name: 'invalid rep falls back to the configured default', method: 'GET', path: '/coll?rep=bogus&np', status: 200,
      check: (r) => assert.equal(r.json()._returned, 1),
    },
  ]);
});
