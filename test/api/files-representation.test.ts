// File buckets in HAL (API.md §16, the bucket and file rows): files are embedded as rh:file with
// _type FILE and an rh:data link to their bytes; the bucket and a file carry their own links.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, call, startServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startServer();
  assert.equal((await call(srv, 'PUT', '/pics.files')).status, 201);
  const form = new FormData();
  form.append('metadata', '{"_id": "f1"}');
  form.append('file', new Blob(['hello']), 'h.txt');
  assert.equal((await fetch(`${srv.url}/pics.files`, { method: 'POST', headers: { Authorization: ADMIN }, body: form })).status, 201);
});
after(async () => srv.close());

const t = (href: string) => ({ href, templated: true });

test('a bucket in compact HAL embeds its files as rh:file', async () => {
  const body = (await call(srv, 'GET', '/pics.files?rep=hal')).json();
  assert.deepEqual(Object.keys(body._embedded), ['rh:file']);
  assert.equal(body._embedded['rh:file'][0]._id, 'f1');
});

test('a bucket in full HAL: each file has _type FILE, self and rh:data; the bucket links rh:bucket and rh:file', async () => {
  const body = (await call(srv, 'GET', '/pics.files?rep=hal&hal=f')).json();
  const file = body._embedded['rh:file'][0];
  assert.equal(file._type, 'FILE');
  assert.deepEqual(file._links, { self: { href: '/pics.files/f1' }, 'rh:data': { href: '/pics.files/f1/binary' } });
  assert.deepEqual(body._links['rh:file'], t('/pics.files/{fileid}{?id_type}'));
  assert.deepEqual(body._links['rh:bucket'], t('//{bucketname}.files'));
});

test('a file in full HAL links its bytes, its bucket and the file template', async () => {
  const r = await call(srv, 'GET', '/pics.files/f1?rep=hal&hal=f');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/hal\+json/);
  const body = r.json();
  assert.equal(body._type, 'FILE');
  assert.deepEqual(body._links, {
    self: { href: '/pics.files/f1' },
    'rh:data': { href: '/pics.files/f1/binary' },
    'rh:bucket': { href: '/pics.files' },
    'rh:file': t('/pics.files/{fileid}{?id_type}'),
  });
});
