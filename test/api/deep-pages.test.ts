// Deep pages in _id order (?page=… far into a collection) find where they start in slices
// (engine/embedded/deep-page.ts) and answer what one LIMIT … OFFSET would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkLoad, call, startServer, type TestServer } from '../helpers/server.ts';

const DOCS = 45_000;
const ids = (r: { json(): unknown }) => (r.json() as Array<{ _id: number }>).map((d) => d._id);
const run = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);

describe('deep pages in _id order', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    await bulkLoad(srv, '/deep', DOCS, (i) => ({ _id: i }));
  });
  after(async () => srv.close());

  const cases: Array<{ name: string; path: string; expect: number[] }> = [
    { name: 'ascending, 40,000 skipped', path: '/deep?page=401&pagesize=100&sort={"_id":1}', expect: run(40_000, 100) },
    { name: 'descending (the default), 40,000 skipped', path: '/deep?page=401&pagesize=100', expect: run(4_999, 100, -1) },
    { name: 'a skip that is a whole number of steps', path: '/deep?page=41&pagesize=1000&sort={"_id":1}', expect: run(40_000, 1000) },
    { name: 'the last, partial page', path: '/deep?page=450&pagesize=100&sort={"_id":1}', expect: run(44_900, 100) },
    { name: 'just past the end', path: '/deep?page=451&pagesize=100&sort={"_id":1}', expect: [] },
    { name: 'far past the end', path: '/deep?page=900&pagesize=100', expect: [] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await call(srv, 'GET', c.path);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(ids(r), c.expect);
    });
  }

  test('after writes, the same pages show them', async () => {
    assert.equal((await call(srv, 'DELETE', '/deep/*?filter={"_id":{"$lt":10}}')).status, 200);
    const r = await call(srv, 'GET', '/deep?page=401&pagesize=100&sort={"_id":1}');
    assert.deepEqual(ids(r), run(40_010, 100));
  });
});
