// File buckets (API.md §10, issue 13): create/drop, uploads by POST and PUT, file documents as
// GridFS stores them, listing, /binary with Range, metadata PUT/PATCH, deletes, bad input; the same
// table on the embedded engine and on the MongoDB engine (the driver's GridFSBucket against the
// wire shim).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WireShim } from '../engine/wire/shim.ts';
import { MULTIPART, multipart, patternBytes, type Part } from '../helpers/multipart.ts';
import { ADMIN, errorBody, startServer, type TestServer } from '../helpers/server.ts';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), patternBytes(0, 600_000)]);
const TEXT = Buffer.from('hello, file buckets\n');

interface Reply {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: () => any;
}

interface Row {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** a multipart body */
  parts?: Part[];
  /** raw bytes (with headers['Content-Type']) or a JSON value */
  body?: Buffer | unknown;
  status: number;
  expectHeaders?: Record<string, string | RegExp | null>;
  expectBody?: unknown;
  check?: (r: Reply) => void | Promise<void>;
}

async function send(srv: TestServer, row: Row): Promise<Reply> {
  const headers: Record<string, string> = { Authorization: ADMIN, ...row.headers };
  let body: Buffer | string | undefined;
  if (row.parts) {
    body = multipart(row.parts);
    headers['Content-Type'] ??= MULTIPART;
  } else if (Buffer.isBuffer(row.body)) body = row.body;
  else if (row.body !== undefined) {
    body = JSON.stringify(row.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(srv.url + row.path, { method: row.method, headers, body: typeof body === 'string' ? body : body && new Uint8Array(body), redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString()) };
}

const err = (status: number, message: string) => errorBody(status, ({ 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 416: 'Range Not Satisfiable', 501: 'Not Implemented' } as Record<number, string>)[status]!, message);
const file = (path: string) => `/img.files/${path}`;

/** One file's document as GridFS stores it. */
function assertFileDoc(doc: any, expect: { id: unknown; length: number; filename: string; contentType: string; extra?: Record<string, unknown> }): void {
  assert.deepEqual(Object.keys(doc).sort(), ['_id', 'chunkSize', 'filename', 'length', 'metadata', 'uploadDate']);
  assert.deepEqual(doc._id, expect.id);
  assert.equal(Number(doc.length?.$numberLong ?? doc.length), expect.length);
  assert.equal(doc.chunkSize, 261120);
  assert.equal(doc.filename, expect.filename);
  assert.ok(doc.uploadDate.$date !== undefined);
  assert.equal(doc.metadata.contentType, expect.contentType);
  assert.match(doc.metadata._etag.$oid, /^[0-9a-f]{24}$/);
  for (const [k, v] of Object.entries(expect.extra ?? {})) assert.deepEqual(doc.metadata[k], v);
}

let etagOfLogo = '';

const ROWS: Row[] = [
  // the bucket
  { name: 'a missing bucket is reported as one', method: 'GET', path: '/img.files', status: 404, expectBody: err(404, "File Bucket 'img.files' does not exist") },
  { name: 'an upload to a missing bucket: 404', method: 'POST', path: '/img.files', parts: [{ name: 'file', filename: 'a.txt', data: TEXT }], status: 404 },
  { name: 'PUT creates the bucket', method: 'PUT', path: '/img.files', body: { descr: 'images' }, status: 201, expectHeaders: { etag: /^[0-9a-f]{24}$/ } },
  { name: 'PUT of an existing bucket updates its metadata', method: 'PUT', path: '/img.files', body: { descr: 'pictures' }, status: 200 },
  { name: 'DELETE of the bucket needs its ETag', method: 'DELETE', path: '/img.files', status: 409, expectHeaders: { etag: /^[0-9a-f]{24}$/ } },
  { name: 'an empty bucket lists nothing', method: 'GET', path: '/img.files', status: 200, expectBody: [] },

  // uploads
  {
    name: 'POST uploads the first file part with its metadata', method: 'POST', path: '/img.files',
    parts: [{ name: 'metadata', value: '{"_id": "logo", "author": "me", filename: "logo.png"}' }, { name: 'upload', filename: 'x.png', data: PNG }],
    status: 201, expectHeaders: { location: /\/img\.files\/logo$/, etag: /^[0-9a-f]{24}$/ },
    check: (r) => {
      etagOfLogo = r.headers.get('etag')!;
    },
  },
  {
    name: 'the file document is GridFS\'s, the content type detected from the bytes', method: 'GET', path: file('logo'), status: 200,
    check: (r) => {
      assertFileDoc(r.json(), { id: 'logo', length: PNG.length, filename: 'logo.png', contentType: 'image/png', extra: { author: 'me', filename: 'logo.png' } });
      assert.equal(r.headers.get('etag'), etagOfLogo);
      assert.equal(r.json().metadata._etag.$oid, etagOfLogo);
    },
  },
  {
    name: 'POST without metadata: a new ObjectId, the part\'s file name, text detected', method: 'POST', path: '/img.files',
    parts: [{ name: 'file', filename: 'hello.txt', data: TEXT }], status: 201, expectHeaders: { location: /\/img\.files\/[0-9a-f]{24}$/ },
    check: async (r) => {
      const path = new URL(r.headers.get('location')!).pathname;
      const doc = (await send(srvOf(r), { name: '', method: 'GET', path, status: 200 })).json();
      assertFileDoc(doc, { id: { $oid: path.slice(-24) }, length: TEXT.length, filename: 'hello.txt', contentType: 'text/plain' });
    },
  },
  {
    name: 'the legacy properties field, a given content type kept', method: 'POST', path: '/img.files',
    parts: [{ name: 'properties', value: '{"_id": "doc", "contentType": "application/x-custom"}' }, { name: 'file', filename: 'd.bin', data: TEXT }], status: 201,
  },
  { name: 'the content type given is kept', method: 'GET', path: file('doc'), status: 200, check: (r) => assert.equal(r.json().metadata.contentType, 'application/x-custom') },
  {
    name: 'POST of an id that exists: 409, nothing replaced', method: 'POST', path: '/img.files',
    parts: [{ name: 'metadata', value: '{"_id": "logo"}' }, { name: 'file', filename: 'other.txt', data: TEXT }], status: 409,
  },
  {
    name: 'an empty file', method: 'POST', path: '/img.files',
    parts: [{ name: 'metadata', value: '{"_id": "empty"}' }, { name: 'file', filename: 'empty', data: Buffer.alloc(0) }], status: 201,
  },
  {
    name: 'a name beyond ASCII', method: 'POST', path: '/img.files',
    parts: [{ name: 'metadata', value: '{"_id": "uni", "filename": "文件 \\"q\\".txt"}' }, { name: 'file', filename: 'u', data: TEXT }], status: 201,
  },
  {
    name: 'its Content-Disposition has an ASCII name and filename*', method: 'GET', path: file('uni/binary'), status: 200,
    expectHeaders: { 'content-disposition': 'inline; filename="__ \\"q\\".txt"; filename*=UTF-8\'\'%E6%96%87%E4%BB%B6%20%22q%22.txt' },
  },
  { name: 'and it goes', method: 'DELETE', path: file('uni'), status: 204 },
  { name: 'the empty file has length 0', method: 'GET', path: file('empty'), status: 200, check: (r) => assert.equal(Number(r.json().length?.$numberLong ?? r.json().length), 0) },

  // listing
  { name: 'GET lists every file', method: 'GET', path: '/img.files?sort=_id', status: 200, check: (r) => assert.equal(r.json().length, 4) },
  {
    name: 'GET with filter and keys', method: 'GET', path: `/img.files?filter=${encodeURIComponent('{"metadata.author":"me"}')}&keys=${encodeURIComponent('{"filename":1}')}`,
    status: 200, expectBody: [{ _id: 'logo', filename: 'logo.png' }],
  },
  { name: '_size counts files', method: 'GET', path: '/img.files/_size', status: 200, expectBody: { _size: 4 } },
  { name: '_meta is the bucket metadata', method: 'GET', path: '/img.files/_meta', status: 200, check: (r) => assert.equal(r.json().descr, 'pictures') },
  { name: 'a missing file', method: 'GET', path: file('nope'), status: 404, expectBody: err(404, "document 'nope' does not exist") },

  // downloads
  {
    name: '/binary: the bytes with their headers', method: 'GET', path: file('logo/binary'), status: 200,
    expectHeaders: {
      'content-type': 'image/png', 'content-length': String(PNG.length), 'content-disposition': 'inline; filename="logo.png"',
      'content-transfer-encoding': 'binary', 'accept-ranges': 'bytes', etag: /^[0-9a-f]{24}$/,
    },
    check: (r) => assert.ok(r.bytes.equals(PNG)),
  },
  { name: '/binary with If-None-Match: 304', method: 'GET', path: file('logo/binary'), headers: { 'If-None-Match': '@etag' }, status: 304, check: (r) => assert.equal(r.bytes.length, 0) },
  { name: 'the file with If-None-Match: 304', method: 'GET', path: file('logo'), headers: { 'If-None-Match': '@etag' }, status: 304 },
  { name: 'an empty file downloads as no bytes', method: 'GET', path: file('empty/binary'), status: 200, expectHeaders: { 'content-length': '0' } },
  { name: '/binary of a missing file', method: 'GET', path: file('nope/binary'), status: 404, expectBody: err(404, 'File with ID <nope> not found') },
  ...([
    ['the first bytes', 'bytes=0-9', 0, 9],
    ['across a chunk boundary', 'bytes=261000-261300', 261000, 261300],
    ['from an offset to the end', 'bytes=522240-', 522240, PNG.length - 1],
    ['the last bytes', 'bytes=-100', PNG.length - 100, PNG.length - 1],
    ['an end past the end is cut', `bytes=600000-${PNG.length + 50}`, 600000, PNG.length - 1],
    ['one byte', 'bytes=5-5', 5, 5],
  ] as const).map(([name, range, start, end]): Row => ({
    name: `Range, ${name}: 206`, method: 'GET', path: file('logo/binary'), headers: { Range: range }, status: 206,
    expectHeaders: { 'content-range': `bytes ${start}-${end}/${PNG.length}`, 'content-length': String(end - start + 1), 'content-type': 'image/png' },
    check: (r) => assert.ok(r.bytes.equals(PNG.subarray(start, end + 1))),
  })),
  {
    name: 'Range past the end: 416', method: 'GET', path: file('logo/binary'), headers: { Range: `bytes=${PNG.length}-` }, status: 416,
    expectHeaders: { 'content-range': `bytes */${PNG.length}` },
    check: (r) => assert.equal(r.json().message, `Range bytes=${PNG.length}- is not satisfiable: the file has ${PNG.length} bytes`),
  },
  { name: 'Range on an empty file: 416', method: 'GET', path: file('empty/binary'), headers: { Range: 'bytes=0-' }, status: 416, expectHeaders: { 'content-range': 'bytes */0' } },
  { name: 'several ranges: the whole file', method: 'GET', path: file('logo/binary'), headers: { Range: 'bytes=0-1,5-6' }, status: 200, check: (r) => assert.equal(r.bytes.length, PNG.length) },
  { name: 'an If-Range that no longer matches: the whole file', method: 'GET', path: file('logo/binary'), headers: { Range: 'bytes=0-1', 'If-Range': '000000000000000000000000' }, status: 200 },
  { name: 'an If-Range that matches: the range', method: 'GET', path: file('logo/binary'), headers: { Range: 'bytes=0-1', 'If-Range': '@etag' }, status: 206 },

  // metadata writes
  { name: 'PATCH merges into metadata', method: 'PATCH', path: file('logo'), body: { tag: 'x', 'nested.a': 1 }, status: 200, expectHeaders: { etag: /^[0-9a-f]{24}$/ } },
  {
    name: 'the merged metadata', method: 'GET', path: file('logo'), status: 200,
    check: (r) => {
      const m = r.json().metadata;
      assert.equal(m.tag, 'x');
      assert.deepEqual(m.nested, { a: 1 });
      assert.equal(m.author, 'me');
      assert.notEqual(m._etag.$oid, etagOfLogo);
    },
  },
  { name: 'PATCH {metadata: …} merges too; metadata.filename renames', method: 'PATCH', path: file('logo'), body: { metadata: { filename: 'renamed.png' } }, status: 200 },
  { name: 'the new name', method: 'GET', path: file('logo'), status: 200, check: (r) => assert.equal(r.json().filename, 'renamed.png') },
  { name: 'PATCH with an update operator: 400', method: 'PATCH', path: file('logo'), body: { $set: { a: 1 } }, status: 400, expectBody: err(400, 'request content cannot contain update operators') },
  { name: 'PATCH with a file: 400', method: 'PATCH', path: file('logo'), parts: [{ name: 'file', filename: 'a', data: TEXT }], status: 400, expectBody: err(400, 'only metadata is allowed for PATCH requests, not binary data') },
  { name: 'PATCH with no body: 400', method: 'PATCH', path: file('logo'), status: 400, expectBody: err(400, 'no data provided') },
  { name: 'PATCH with a wrong If-Match: 412', method: 'PATCH', path: file('logo'), headers: { 'If-Match': '000000000000000000000000' }, body: { a: 1 }, status: 412 },
  { name: 'PATCH of a missing file: 404', method: 'PATCH', path: file('nope'), body: { a: 1 }, status: 404 },
  { name: 'PUT with JSON replaces the metadata', method: 'PUT', path: file('doc'), body: { only: true, contentType: 'text/plain' }, status: 200 },
  {
    name: 'the replaced metadata', method: 'GET', path: file('doc'), status: 200,
    check: (r) => assert.deepEqual(Object.keys(r.json().metadata).sort(), ['_etag', 'contentType', 'only']),
  },

  // PUT uploads
  {
    name: 'PUT with a file replaces the file (200)', method: 'PUT', path: file('logo'),
    parts: [{ name: 'metadata', value: '{"v": 2}' }, { name: 'file', filename: 'v2.txt', data: TEXT }], status: 200,
  },
  { name: 'the replacement\'s bytes', method: 'GET', path: file('logo/binary'), status: 200, expectHeaders: { 'content-type': 'text/plain' }, check: (r) => assert.ok(r.bytes.equals(TEXT)) },
  {
    name: 'the replacement\'s document', method: 'GET', path: file('logo'), status: 200,
    check: (r) => assertFileDoc(r.json(), { id: 'logo', length: TEXT.length, filename: 'v2.txt', contentType: 'text/plain', extra: { v: 2 } }),
  },
  { name: 'PUT with a file creates one (201)', method: 'PUT', path: file('new'), parts: [{ name: 'file', filename: 'n.txt', data: TEXT }], status: 201 },
  {
    name: 'PUT with a different _id in metadata: 400', method: 'PUT', path: file('new'),
    parts: [{ name: 'metadata', value: '{"_id": "other"}' }, { name: 'file', filename: 'n.txt', data: TEXT }], status: 400,
    expectBody: err(400, '_id in content body is different than id in URL'),
  },
  {
    name: 'PUT with a file and a wrong If-Match: 412, the file kept', method: 'PUT', path: file('new'), headers: { 'If-Match': '000000000000000000000000' },
    parts: [{ name: 'file', filename: 'n2.txt', data: PNG }], status: 412,
  },
  { name: 'the file kept', method: 'GET', path: file('new/binary'), status: 200, check: (r) => assert.ok(r.bytes.equals(TEXT)) },

  // bad input
  { name: 'no file part: 400', method: 'POST', path: '/img.files', parts: [{ name: 'metadata', value: '{"a": 1}' }], status: 400, expectBody: err(400, 'This request does not contain any binary file') },
  {
    name: 'metadata that is not JSON: 400', method: 'POST', path: '/img.files',
    parts: [{ name: 'metadata', value: '{"a": ' }, { name: 'file', filename: 'a', data: TEXT }], status: 400,
    expectBody: err(400, "Invalid data: 'metadata' field is not a valid JSON object"),
  },
  {
    name: 'metadata that is not an object: 400', method: 'POST', path: '/img.files',
    parts: [{ name: 'metadata', value: '[1, 2]' }, { name: 'file', filename: 'a', data: TEXT }], status: 400,
    expectBody: err(400, 'metadata is not a valid JSON object'),
  },
  {
    name: 'metadata after the file part: 400', method: 'POST', path: '/img.files',
    parts: [{ name: 'file', filename: 'late.txt', data: PNG }, { name: 'metadata', value: '{"_id": "late"}' }], status: 400,
    expectBody: err(400, 'the metadata field must come before the file part: the file is stored as it arrives'),
  },
  {
    name: 'a truncated multipart body: 400', method: 'POST', path: '/img.files', headers: { 'Content-Type': MULTIPART },
    body: multipart([{ name: 'metadata', value: '{"_id": "cut"}' }, { name: 'file', filename: 'cut.bin', data: PNG }]).subarray(0, 300_000), status: 400,
    check: (r) => assert.match(r.json().message, /^Invalid multipart body: /),
  },
  { name: 'a JSON POST to a bucket: 400', method: 'POST', path: '/img.files', body: { a: 1 }, status: 400, expectBody: err(400, 'POST file request is in a bad format') },
  {
    name: 'an upload inside a transaction: 501', method: 'POST', path: '/img.files?sid=3f1e0e6c-8ad1-4bb5-9f4f-5d6d1e2a2b3c&txn=1',
    parts: [{ name: 'file', filename: 'a', data: TEXT }], status: 501,
  },
  { name: 'nothing of the failed uploads is visible', method: 'GET', path: '/img.files?keys={"_id":1}&sort={"_id":1}', status: 200, check: (r) => assert.equal(r.json().length, 5) },
  { name: 'no file "late"', method: 'GET', path: file('late'), status: 404 },
  { name: 'no file "cut"', method: 'GET', path: file('cut'), status: 404 },

  // deletes
  { name: 'DELETE of a file', method: 'DELETE', path: file('doc'), status: 204 },
  { name: 'the deleted file is gone', method: 'GET', path: file('doc/binary'), status: 404 },
  { name: 'DELETE of a missing file: 404', method: 'DELETE', path: file('doc'), status: 404 },
  { name: 'bulk DELETE with a filter', method: 'DELETE', path: `/img.files/*?filter=${encodeURIComponent('{"filename": "n.txt"}')}`, status: 200, expectBody: { deleted: 1 } },
  { name: 'bulk DELETE without a filter deletes every file', method: 'DELETE', path: '/img.files/*', status: 200, expectBody: { deleted: 3 } },
  { name: 'the bucket is empty', method: 'GET', path: '/img.files', status: 200, expectBody: [] },
  { name: 'a file again, then the bucket dropped', method: 'POST', path: '/img.files', parts: [{ name: 'metadata', value: '{"_id":"last"}' }, { name: 'file', filename: 'l', data: PNG }], status: 201 },
  { name: 'DROP with the bucket\'s ETag', method: 'DELETE', path: '/img.files', headers: { 'If-Match': '@bucketEtag' }, status: 204 },
  { name: 'the dropped bucket is gone', method: 'GET', path: '/img.files', status: 404 },
  { name: 'and so is its file', method: 'GET', path: file('last/binary'), status: 404 },
];

const servers = new WeakMap<Reply, TestServer>();
function srvOf(r: Reply): TestServer {
  return servers.get(r)!;
}

function runTable(label: string, open: () => Promise<{ srv: TestServer; close: () => Promise<void> }>): void {
  describe(label, () => {
    let srv: TestServer;
    let close: () => Promise<void>;
    before(async () => {
      ({ srv, close } = await open());
    });
    after(async () => close());
    for (const row of ROWS) {
      test(row.name, async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(row.headers ?? {})) {
          if (v === '@etag') headers[k] = (await send(srv, { name: '', method: 'GET', path: file('logo'), status: 200 })).headers.get('etag')!;
          else if (v === '@bucketEtag') headers[k] = (await send(srv, { name: '', method: 'GET', path: '/img.files/_meta', status: 200 })).headers.get('etag')!;
          else headers[k] = v;
        }
        const r = await send(srv, { ...row, headers });
        servers.set(r, srv);
        assert.equal(r.status, row.status, `${row.method} ${row.path}: ${r.bytes.toString().slice(0, 300)}`);
        for (const [k, v] of Object.entries(row.expectHeaders ?? {})) {
          const got = r.headers.get(k);
          if (v === null) assert.equal(got, null, k);
          else if (v instanceof RegExp) assert.match(got ?? '', v, k);
          else assert.equal(got, v, k);
        }
        if (row.expectBody !== undefined) assert.deepEqual(r.json(), row.expectBody);
        await row.check?.(r);
      });
    }
  });
}

runTable('file buckets: embedded engine', async () => {
  const srv = await startServer();
  return { srv, close: () => srv.close() };
});

runTable('file buckets: MongoDB engine (GridFSBucket through the wire shim)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-files-wire-'));
  const shim = new WireShim(dir);
  const port = await shim.listen();
  const srv = await startServer({ rho: `/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}"` });
  return {
    srv,
    close: async () => {
      await srv.close();
      await shim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
