// Time limits (CONFIG.md mongo.query-time-limit, docrest.default-time-limit) and a server that
// keeps answering while collection scans run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkLoad, call, errorBody, startServer, type TestServer } from '../helpers/server.ts';

const DOCS = 20_000;
// mingo judges $expr on every document (~10–50 µs each): one scan takes hundreds of milliseconds
const SLOW = `/big?filter=${encodeURIComponent(JSON.stringify({ $expr: { $eq: ['$n', -1] } }))}`;

const load = (srv: TestServer) => bulkLoad(srv, '/big', DOCS, (i) => ({ _id: i, n: i, s: `value ${i}` }));

const TIMEOUT = errorBody(408, 'Request Timeout', 'Operation exceeded time limit');

for (const [name, rho] of [
  ['mongo.query-time-limit', '/mongo/query-time-limit->1'],
  ['docrest.default-time-limit when mongo.query-time-limit is 0', '/docrest/default-time-limit->1'],
] as const) {
  describe(`a query over ${name} answers 408`, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ rho });
      await load(srv);
    });
    after(async () => srv.close());

    test('collection GET and _size stop with RESTHeart\'s 408 body', async () => {
      // a different filter each: what one query's scan learned (mingo's verdicts per row) must not
      // let the next one finish within the limit
      const slow = (v: number) => `filter=${encodeURIComponent(JSON.stringify({ $expr: { $eq: ['$n', v] } }))}`;
      for (const path of [`/big?${slow(-1)}`, `/big/_size?${slow(-2)}`, `/big?${slow(-3)}&count=true`]) {
        const r = await call(srv, 'GET', path);
        assert.equal(r.status, 408, `${path}: ${r.text}`);
        const { exception: _e, 'exception message': _m, ...body } = r.json();
        assert.deepEqual(body, TIMEOUT);
      }
    });

    test('bounded reads still answer', async () => {
      const r = await call(srv, 'GET', '/big/7?id_type=NUMBER');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().n, 7);
      assert.equal((await call(srv, 'GET', '/big?pagesize=5')).json().length, 5);
    });
  });
}

describe('scans do not hold up other clients', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    await load(srv);
  });
  after(async () => srv.close());

  test('/ping, a point read and a write answer while four slow scans are still running', async () => {
    let scansDone = 0;
    const scans = Array.from({ length: 4 }, async () => {
      const r = await call(srv, 'GET', SLOW);
      scansDone++;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ping = await call(srv, 'GET', '/ping');
    assert.equal(ping.status, 200);
    assert.equal((await call(srv, 'GET', '/big/3?id_type=NUMBER')).status, 200);
    assert.equal((await call(srv, 'PATCH', '/big/3?id_type=NUMBER', { body: { $set: { touched: true } } })).status, 200);
    assert.equal(scansDone, 0, 'the scans finished before the other requests were answered');
    for (const r of await Promise.all(scans)) {
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), []);
    }
  });

  test('a scan sees a write committed while it ran (the collection as of its answer)', async () => {
    const filter = encodeURIComponent(JSON.stringify({ $expr: { $eq: ['$n', 5] } }));
    const scan = call(srv, 'GET', `/big?filter=${filter}&keys={"n":1,"late":1}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await call(srv, 'PATCH', '/big/5?id_type=NUMBER', { body: { $set: { late: true } } })).status, 200);
    const r = await scan;
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ _id: 5, n: 5, late: true }]);
  });

  test('writes by filter on a large collection find their targets without holding up others', async () => {
    const expr = (n: number) => encodeURIComponent(JSON.stringify({ $expr: { $eq: ['$n', n] } }));
    const patch = call(srv, 'PATCH', `/big/*?filter=${expr(7)}`, { body: { $set: { seven: true } } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // written while the bulk PATCH looks for its targets: judged again when the write runs
    assert.equal((await call(srv, 'PATCH', '/big/8?id_type=NUMBER', { body: { $set: { n: 7 } } })).status, 200);
    assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    const r = await patch;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().matched, 2);
    assert.equal(r.json().modified, 2);
    const seven = await call(srv, 'GET', `/big?filter=${encodeURIComponent('{"seven":true}')}&keys={"_id":1}&sort={"_id":1}`);
    assert.deepEqual(seven.json(), [{ _id: 7 }, { _id: 8 }]);
    const del = await call(srv, 'DELETE', `/big/*?filter=${encodeURIComponent('{"n":{"$gte":19995}}')}`);
    assert.equal(del.json().deleted, 5, del.text);
    assert.equal((await call(srv, 'GET', '/big/_size')).json()._size, DOCS - 5);
  });
});

describe('a sort by whole documents (an array field) does not hold up other clients', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    await bulkLoad(srv, '/arr', DOCS, (i) => ({ _id: i, tags: [i, -i] }));
    // the columns the sort reads are built by a first sort, so the test sees the sort itself
    assert.equal((await call(srv, 'GET', '/arr?sort={"tags":-1}&pagesize=1')).status, 200);
  });
  after(async () => srv.close());

  // ascending by an array: by its smallest element, so the largest _id comes first
  const SORTED = '/arr?sort={"tags":1}&pagesize=3&keys={"_id":1}';

  test('/ping, a point read and a write answer while it runs; rows written meanwhile are placed', async () => {
    let done = false;
    const read = call(srv, 'GET', SORTED).then((r) => ((done = true), r));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    assert.equal((await call(srv, 'GET', '/arr/3?id_type=NUMBER')).status, 200);
    // one row moves ahead of all; the first of the answer so far goes
    assert.equal((await call(srv, 'PATCH', '/arr/5?id_type=NUMBER', { body: { $set: { tags: [-100_000] } } })).status, 200);
    assert.equal((await call(srv, 'DELETE', `/arr/${DOCS - 1}?id_type=NUMBER`)).status, 204);
    assert.equal(done, false, 'the sort finished before the other requests were answered');
    const r = await read;
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ _id: 5 }, { _id: DOCS - 2 }, { _id: DOCS - 3 }]);
  });
});
