// The database bootstrapped at first start (`restheart`, mounted at `/`, holding users and ACL)
// has metadata like a database created by PUT, so the database ETag policy protects it: DELETE /
// needs If-Match (API.md §8).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { call, errorBody, startServer } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'docrest-defaultdb-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('DELETE / without If-Match is 409, with a wrong one 412, with the right one 204', async () => {
  let srv = await startServer({ dataDir });
  let etag: string;
  try {
    const get = await call(srv, 'GET', '/');
    assert.equal(get.status, 200, get.text);
    etag = get.headers.get('ETag') ?? '';
    assert.match(etag, /^[0-9a-f]{24}$/);

    const missing = await call(srv, 'DELETE', '/');
    assert.equal(missing.status, 409, missing.text);
    assert.deepEqual(missing.json(), errorBody(409, 'Conflict', "The database's ETag must be provided using the 'If-Match' header."));
    assert.equal(missing.headers.get('ETag'), etag);

    const wrong = await call(srv, 'DELETE', '/', { headers: { 'If-Match': '000000000000000000000000' } });
    assert.equal(wrong.status, 412, wrong.text);
    assert.equal(wrong.headers.get('ETag'), etag);
    assert.equal((await call(srv, 'GET', '/users/admin')).status, 200, 'nothing was dropped');
  } finally {
    await srv.close();
  }

  // a restart keeps the metadata (and so the ETag) it finds
  srv = await startServer({ dataDir });
  try {
    assert.equal((await call(srv, 'GET', '/')).headers.get('ETag'), etag);
    const ok = await call(srv, 'DELETE', '/', { headers: { 'If-Match': etag } });
    assert.equal(ok.status, 204, ok.text);
  } finally {
    await srv.close();
  }
});

test('DELETE /users and DELETE /acl without If-Match are 409: the bootstrapped collections have metadata', async () => {
  const srv = await startServer();
  try {
    for (const coll of ['users', 'acl']) {
      const meta = await call(srv, 'GET', `/${coll}/_meta`);
      assert.equal(meta.status, 200, meta.text);
      const r = await call(srv, 'DELETE', `/${coll}`);
      assert.equal(r.status, 409, r.text);
      assert.deepEqual(r.json(), errorBody(409, 'Conflict', "The collection's ETag must be provided using the 'If-Match' header."));
    }
    assert.equal((await call(srv, 'GET', '/users/admin')).status, 200, 'nothing was dropped');
  } finally {
    await srv.close();
  }
});
