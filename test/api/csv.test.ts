// CSV import, RESTHeart's csvLoader (API.md §13; issue 11 step 6): rows become documents (cells
// read as relaxed JSON, quoted cells as strings, the id column as _id), props/values, update and
// upsert, RESTHeart's parameter errors, and bad input — ragged rows, broken quoting, invalid bytes
// for the charset, protected collections, oversized bodies — refused with a 400-class answer and
// nothing written. The import scenarios run on the embedded engine and on the MongoDB engine
// (through the driver against the wire server).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WireShim } from '../engine/wire/shim.ts';
import { ADMIN, call, checkScenario, errorBody, startServer, type Reply, type Scenario, type TestServer } from '../helpers/server.ts';
import { createUser } from '../security/http-support.ts';

const CSV = { 'Content-Type': 'text/csv' };
const BOB = `Basic ${Buffer.from('bob:bobpass').toString('base64')}`;

/** POST of raw bytes (the helper sends strings). */
async function postBytes(srv: { url: string }, path: string, body: Buffer, contentType = 'text/csv'): Promise<Reply> {
  const res = await fetch(srv.url + path, { method: 'POST', headers: { Authorization: ADMIN, 'Content-Type': contentType }, body: new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

async function docs(srv: { url: string }, coll: string): Promise<any[]> {
  const r = await call(srv, 'GET', `/${coll}?sort={"_id":1}&pagesize=1000`);
  return r.status === 404 ? [] : r.json();
}

/** The documents without their (generated) _etag, and without _id when it was generated. */
async function rows(srv: { url: string }, coll: string, keepId = true): Promise<any[]> {
  return (await docs(srv, coll)).map(({ _etag, _id, ...rest }) => {
    assert.ok(_etag?.$oid, 'every row gets an ObjectId _etag');
    return keepId ? { _id, ...rest } : rest;
  });
}

const bad = (message: string) => errorBody(400, 'Bad Request', message);

/** Imports that behave the same on both engines. */
const IMPORTS: Scenario[] = [
  { name: 'rows become documents; cells are JSON when they parse', method: 'POST', path: '/csv?db=restheart&coll=people&sep=;', headers: CSV,
    body: 'name;age;active;tags;height;note\nalice;30;true;[1,2];1.5;hello world\nbob;41;false;{"a":{"b":1}};2;12abc\n', status: 200, expectBody: '',
    check: async (r) => {
      assert.equal(r.text, '');
      const got = (await docs(srvOf(r), 'people')).map(({ _etag, _id, ...d }) => {
        assert.ok(_id.$oid);
        return d;
      });
      assert.deepEqual(got.sort((x, y) => x.name.localeCompare(y.name)), [
        { name: 'alice', age: 30, active: true, tags: [1, 2], height: 1.5, note: 'hello world' },
        { name: 'bob', age: 41, active: false, tags: { a: { b: 1 } }, height: 2, note: '12abc' },
      ]);
    } },
  { name: 'quoted cells are strings as written; empty cells are empty strings', method: 'POST', path: '/csv?db=restheart&coll=quoted', headers: CSV,
    body: 'who,said,n,empty\r\n"Smith, J","He said ""hi""","42",\r\n', status: 200,
    check: async (r) => assert.deepEqual(await rows(srvOf(r), 'quoted', false), [{ who: 'Smith, J', said: 'He said "hi"', n: '42', empty: '' }]) },
  { name: 'id: that column is the _id', method: 'POST', path: '/csv?db=restheart&coll=codes&id=0', headers: CSV,
    body: 'code,name\n1,one\n2,two\nx9,nine\n', status: 200,
    check: async (r) => assert.deepEqual(await rows(srvOf(r), 'codes'), [{ _id: 1, name: 'one' }, { _id: 2, name: 'two' }, { _id: 'x9', name: 'nine' }]) },
  { name: 'props and values are added to every row', method: 'POST', path: '/csv?db=restheart&coll=tagged&props=source&values=import-1&props=batch&values=7&props=unpaired', headers: CSV,
    body: 'a\n1\n', status: 200,
    check: async (r) => assert.deepEqual(await rows(srvOf(r), 'tagged', false), [{ a: 1, source: 'import-1', batch: 7 }]) },
  { name: 'a byte order mark is not part of the first name', method: 'POST', path: '/csv?db=restheart&coll=bom', headers: CSV, body: '\uFEFFx,y\n1,2\n', status: 200,
    check: async (r) => assert.deepEqual(await rows(srvOf(r), 'bom', false), [{ x: 1, y: 2 }]) },
  { name: 'update: fields set on the document with that _id, others created (upsert by default)', method: 'POST', path: '/csv?db=restheart&coll=codes&id=0&update=true', headers: CSV,
    body: 'code,name,extra\n1,ONE,e\n3,three,f\n', status: 200,
    check: async (r) => assert.deepEqual(await rows(srvOf(r), 'codes'), [
      { _id: 1, name: 'ONE', extra: 'e' }, { _id: 2, name: 'two' }, { _id: 3, name: 'three', extra: 'f' }, { _id: 'x9', name: 'nine' },
    ]) },
  { name: 'update with upsert=false: only existing documents change', method: 'POST', path: '/csv?db=restheart&coll=codes&id=0&update&upsert=false', headers: CSV,
    body: 'code,name\n2,TWO\n4,four\n', status: 200,
    check: async (r) => assert.deepEqual((await rows(srvOf(r), 'codes')).map((d) => d._id), [1, 2, 3, 'x9']) },
  { name: 'update: a _filter column narrows the match', method: 'POST', path: '/csv?db=restheart&coll=codes&id=0&update&upsert=false&sep=;', headers: CSV,
    body: 'code;name;_filter\n2;changed;{"name":"not two"}\n3;THREE;{"name":"three"}\n', status: 200,
    check: async (r) => {
      const byId = Object.fromEntries((await rows(srvOf(r), 'codes')).map((d) => [d._id, d.name]));
      assert.equal(byId[2], 'TWO');
      assert.equal(byId[3], 'THREE');
    } },
  { name: 'a duplicate _id: 409 naming the row', method: 'POST', path: '/csv?db=restheart&coll=codes&id=0', headers: CSV, body: 'code,name\n10,ten\n1,dup\n', status: 409,
    check: (r) => assert.match(r.json().message, /^row 2 /) },
  { name: 'header only: 304, nothing written', method: 'POST', path: '/csv?db=restheart&coll=none', headers: CSV, body: 'a,b\n', status: 304,
    check: async (r) => assert.deepEqual(await docs(srvOf(r), 'none'), []) },
  { name: 'empty body: 304', method: 'POST', path: '/csv?db=restheart&coll=none', headers: CSV, body: '', status: 304 },
];

const servers = new Map<string, TestServer>();
/** The server a reply came from (scenarios run against several). */
function srvOf(r: Reply): TestServer {
  return servers.get((r as Reply & { from: string }).from)!;
}

function runAll(list: Scenario[], get: () => TestServer): void {
  for (const s of list) {
    test(s.name, async () => {
      const srv = get();
      const check = s.check;
      await checkScenario(srv, { ...s, check: check && ((r) => check(Object.assign(r, { from: srv.url }))) });
    });
  }
}

function serve(srv: TestServer): TestServer {
  servers.set(srv.url, srv);
  return srv;
}

describe('CSV import (embedded engine)', () => {
  let srv: TestServer;
  before(async () => {
    srv = serve(await startServer({ rho: '/docrest/max-body-size->200000' }));
    await createUser(srv, 'bob', 'bobpass', ['user']);
  });
  after(async () => srv.close());
  runAll(IMPORTS, () => srv);

  const QPARAMS = /^query parameters: db=<db_name> \*required/;
  const refused: Scenario[] = [
    { name: 'not text/csv: 400', method: 'POST', path: '/csv?db=restheart&coll=x', headers: { 'Content-Type': 'application/json' }, body: '{}', status: 400,
      expectBody: bad('Content-Type must be text/csv') },
    { name: 'GET: 501, only POST', method: 'GET', path: '/csv?db=restheart&coll=x', headers: CSV, status: 501, expectBodyPartial: { message: 'Only POST method is supported' } },
    { name: 'no db', method: 'POST', path: '/csv?coll=x', headers: CSV, body: 'a\n1\n', status: 400, expectBody: bad('db qparam is mandatory') },
    { name: 'no coll', method: 'POST', path: '/csv?db=restheart', headers: CSV, body: 'a\n1\n', status: 400, expectBody: bad('coll qparam is mandatory') },
    { name: 'id not a number', method: 'POST', path: '/csv?db=restheart&coll=x&id=first', headers: CSV, body: 'a\n1\n', status: 400, check: (r) => assert.match(r.json().message, QPARAMS) },
    { name: 'an empty sep', method: 'POST', path: '/csv?db=restheart&coll=x&sep=', headers: CSV, body: 'a\n1\n', status: 400, check: (r) => assert.match(r.json().message, QPARAMS) },
    { name: 'update without id', method: 'POST', path: '/csv?db=restheart&coll=x&update=true', headers: CSV, body: 'a\n1\n', status: 400, expectBody: bad('id must be set when update=true') },
    { name: 'id past the last column', method: 'POST', path: '/csv?db=restheart&coll=x&id=5', headers: CSV, body: 'a,b\n1,2\n', status: 400, expectBody: bad('id=5: the header line has 2 columns') },
    { name: 'a short row: 400 naming the line, nothing written', method: 'POST', path: '/csv?db=restheart&coll=ragged', headers: CSV, body: 'a,b\n1,2\n3\n4,5\n', status: 400,
      expectBody: bad('line 3: 1 fields where the header line has 2'), check: async (r) => assert.deepEqual(await docs(srvOf(r), 'ragged'), []) },
    { name: 'a long row: 400', method: 'POST', path: '/csv?db=restheart&coll=ragged', headers: CSV, body: 'a,b\n1,2,3\n', status: 400, expectBody: bad('line 2: 3 fields where the header line has 2') },
    { name: 'an unclosed quote: 400', method: 'POST', path: '/csv?db=restheart&coll=ragged', headers: CSV, body: 'a,b\n"1,2\n', status: 400,
      check: (r) => assert.match(r.json().message, /^invalid CSV: Quote Not Closed/) },
    { name: 'an unknown charset: 415', method: 'POST', path: '/csv?db=restheart&coll=x', headers: { 'Content-Type': 'text/csv; charset=klingon' }, body: 'a\n1\n', status: 415 },
    { name: 'the users collection: 403', method: 'POST', path: '/csv?db=restheart&coll=users', headers: CSV, body: '_id,roles\nmallory,admin\n', status: 403,
      check: async (r) => assert.equal((await call(srvOf(r), 'GET', '/users/mallory')).status, 404) },
    { name: 'the ACL collection: 403', method: 'POST', path: '/csv?db=restheart&coll=acl', headers: CSV, body: 'roles,predicate\nuser,true\n', status: 403 },
    { name: 'a reserved database: 403', method: 'POST', path: '/csv?db=admin&coll=x', headers: CSV, body: 'a\n1\n', status: 403 },
    { name: 'an illegal database name: 400', method: 'POST', path: '/csv?db=a%2Fb&coll=x', headers: CSV, body: 'a\n1\n', status: 400 },
    { name: 'a reserved collection: 403', method: 'POST', path: '/csv?db=restheart&coll=_properties', headers: CSV, body: 'a\n1\n', status: 403 },
    { name: 'no credentials: 401', method: 'POST', path: '/csv?db=restheart&coll=x', headers: { ...CSV, Authorization: '' }, body: 'a\n1\n', status: 401 },
    { name: 'no ACL permission: 403, nothing written', method: 'POST', path: '/csv?db=restheart&coll=bobs', headers: { ...CSV, Authorization: BOB }, body: 'a\n1\n', status: 403,
      check: async (r) => assert.deepEqual(await docs(srvOf(r), 'bobs'), []) },
    { name: 'past the body limit: 413', method: 'POST', path: '/csv?db=restheart&coll=huge', headers: CSV, body: `a\n${'1\n'.repeat(150_000)}`, status: 413 },
  ];
  runAll(refused, () => srv);

  test('bytes that are not UTF-8: 400, nothing written', async () => {
    const r = await postBytes(srv, '/csv?db=restheart&coll=enc', Buffer.concat([Buffer.from('a,b\nok,'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\n')]));
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json(), bad('the CSV is not valid utf-8'));
    assert.deepEqual(await docs(srv, 'enc'), []);
  });

  test('a truncated UTF-8 sequence at the end: 400', async () => {
    const r = await postBytes(srv, '/csv?db=restheart&coll=enc', Buffer.concat([Buffer.from('a\nx'), Buffer.from([0xc3])]));
    assert.equal(r.status, 400, r.text);
  });

  test('the charset of the Content-Type is honoured', async () => {
    const r = await postBytes(srv, '/csv?db=restheart&coll=latin', Buffer.from([0x6e, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]), 'text/csv; charset=ISO-8859-1');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await rows(srv, 'latin', false), [{ n: 'café' }]);
  });

  test('a large CSV streams in: every row is written', async () => {
    const n = 10_000;
    const lines = ['i,sq'];
    for (let i = 0; i < n; i++) lines.push(`${i},${i * i}`);
    const body = Buffer.from(lines.join('\n'));
    assert.ok(body.length < 200_000);
    const r = await postBytes(srv, '/csv?db=restheart&coll=big&id=0', body);
    assert.equal(r.status, 200, r.text);
    const count = await call(srv, 'GET', '/big?count&pagesize=1&sort={"_id":-1}');
    assert.equal(count.json()[0]._id, n - 1);
    assert.equal(count.json()[0].sq, (n - 1) * (n - 1));
    assert.equal((await call(srv, 'GET', '/big/_size')).json()._size, n);
  });
});

describe('CSV import (MongoDB engine over the wire server; csvLoader.uri moved)', () => {
  let shim: WireShim;
  let srv: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-csv-wire-'));
    shim = new WireShim(dir);
    const port = await shim.listen();
    srv = serve(await startServer({ rho: `/mclient/connection-string->"mongodb://127.0.0.1:${port}/";/docrest/engine->"mongodb";/csvLoader/uri->"/import"` }));
  });
  after(async () => {
    await srv.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  runAll(IMPORTS.map((s) => ({ ...s, path: s.path.replace(/^\/csv/, '/import') })), () => srv);
});

describe('CSV import switched off', () => {
  let srv: TestServer;
  before(async () => { srv = await startServer({ rho: '/csvLoader/enabled->false' }); });
  after(async () => srv.close());
  test('/csv is then an ordinary MongoDB API path', async () => {
    const r = await call(srv, 'POST', '/csv?db=restheart&coll=x', { headers: CSV, body: 'a\n1\n' });
    assert.notEqual(r.status, 200);
    assert.notEqual(r.status, 304);
    assert.equal((await call(srv, 'GET', '/x')).status, 404);
  });
});
