// Reads through an index never stall the server (issue 10 item 2): a wide range or a walk in index
// order over many documents runs in slices, stops at its time limit, and answers the collection as
// committed when it ends, writes made while it ran included.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkLoad, call, errorBody, startServer, type TestServer } from '../helpers/server.ts';

const DOCS = 20_000;

async function load(srv: TestServer): Promise<void> {
  await bulkLoad(srv, '/big', DOCS, (i) => ({ _id: i, n: i, s: `value ${i}` }));
  assert.equal((await call(srv, 'PUT', '/big/_indexes/n', { body: { keys: { n: 1 } } })).status, 201);
}

// the index narrows nothing ({n: {$gte: 0}} is every document) and mingo judges $expr on each one
// (~10–50 µs): a read of hundreds of milliseconds
const q = (filter: object, rest = '') => `/big?filter=${encodeURIComponent(JSON.stringify(filter))}${rest}`;
const RANGE = (ns: number[]) => q({ n: { $gte: 0 }, $expr: { $in: ['$n', ns] } }, '&sort={"_id":1}');
const WALK = (ns: number[]) => q({ $expr: { $in: ['$n', ns] } }, '&sort={"n":1}');
const SLOW = [
  { name: 'a range of the index', path: RANGE([-1]) },
  { name: 'a walk in index order', path: WALK([-1]) },
  { name: 'a count over a range', path: `/big/_size?filter=${encodeURIComponent(JSON.stringify({ n: { $gte: 0 }, $expr: { $eq: ['$n', -1] } }))}` },
];

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('index reads do not hold up other clients', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    await load(srv);
  });
  after(async () => srv.close());

  test('the reads use the index', async () => {
    for (const path of [RANGE([5]), WALK([5])]) {
      const r = await call(srv, 'GET', path);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json().map((d: { _id: number }) => d._id), [5], path);
    }
  });

  for (const { name, path } of SLOW) {
    test(`/ping, a point read and a write answer while ${name} is still running`, async () => {
      let done = false;
      const read = call(srv, 'GET', path).then((r) => ((done = true), r));
      await settle();
      assert.equal((await call(srv, 'GET', '/ping')).status, 200);
      assert.equal((await call(srv, 'GET', '/big/3?id_type=NUMBER')).status, 200);
      assert.equal((await call(srv, 'PATCH', '/big/3?id_type=NUMBER', { body: { $set: { touched: true } } })).status, 200);
      assert.equal(done, false, 'the read finished before the other requests were answered');
      const r = await read;
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), path.includes('_size') ? { _size: 0 } : []);
    });
  }

  test('a range read answers the collection as committed at its end', async () => {
    const read = call(srv, 'GET', RANGE([5, 6, 30_000]));
    await settle();
    // while it runs: one match changes, one leaves, one arrives beyond every row read so far
    assert.equal((await call(srv, 'PATCH', '/big/5?id_type=NUMBER', { body: { $set: { late: true } } })).status, 200);
    assert.equal((await call(srv, 'DELETE', '/big/6?id_type=NUMBER')).status, 204);
    assert.equal((await call(srv, 'POST', '/big', { body: { _id: 'new', n: 30_000 } })).status, 201);
    const r = await read;
    assert.equal(r.status, 200, r.text);
    const docs = r.json().map(({ _etag: _, ...d }: { _etag: unknown }) => d);
    assert.deepEqual(docs, [{ _id: 5, n: 5, s: 'value 5', late: true }, { _id: 'new', n: 30_000 }]);
  });

  test('a walk in index order places a row that moved while it ran', async () => {
    const read = call(srv, 'GET', WALK([-5, 7, 8]));
    await settle();
    // 9 moves ahead of every row the walk has passed; 8 leaves
    assert.equal((await call(srv, 'PATCH', '/big/9?id_type=NUMBER', { body: { $set: { n: -5 } } })).status, 200);
    assert.equal((await call(srv, 'PATCH', '/big/8?id_type=NUMBER', { body: { $set: { n: 100_000 } } })).status, 200);
    const r = await read;
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json().map((d: { _id: number }) => d._id), [9, 7]);
  });

  test('writes by filter over an index range find their rows in slices, with rows changed meanwhile judged again', async () => {
    const filter = encodeURIComponent(JSON.stringify({ n: { $gte: 0 }, $expr: { $eq: ['$n', 11] } }));
    let done = false;
    const patch = call(srv, 'PATCH', `/big/*?filter=${filter}`, { body: { $set: { eleven: true } } }).then((r) => ((done = true), r));
    await settle();
    assert.equal((await call(srv, 'PATCH', '/big/12?id_type=NUMBER', { body: { $set: { n: 11 } } })).status, 200);
    assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    assert.equal(done, false, 'the write finished before the other requests were answered');
    const r = await patch;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().matched, 2);
    const eleven = await call(srv, 'GET', `/big?filter=${encodeURIComponent('{"eleven":true}')}&keys={"_id":1}&sort={"_id":1}`);
    assert.deepEqual(eleven.json(), [{ _id: 11 }, { _id: 12 }]);
  });
});

describe('an index read over its time limit answers 408', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: '/mongo/query-time-limit->1' });
    await load(srv);
  });
  after(async () => srv.close());

  for (const { name, path } of SLOW) {
    test(name, async () => {
      const r = await call(srv, 'GET', path);
      assert.equal(r.status, 408, r.text);
      const { exception: _e, 'exception message': _m, ...body } = r.json();
      assert.deepEqual(body, errorBody(408, 'Request Timeout', 'Operation exceeded time limit'));
    });
  }
});
