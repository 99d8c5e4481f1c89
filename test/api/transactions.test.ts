// Sessions and transactions over HTTP (API.md §11, §14): every status of the table, isolation and
// own-writes visibility, two concurrent conflicting transactions, a transaction against a plain
// write, kill -9 safety, and two workers sharing one transaction and its snapshot.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WireShim } from '../engine/wire/shim.ts';
import { ADMIN, call, checkScenario, checkStep, errorBody, spawnServer, spawnWorkers, startServer, type Reply, type Step, type TestServer } from '../helpers/server.ts';

const NOT_IN_PROGRESS = errorBody(400, 'Bad Request', 'The given transaction is not in-progress');
const CONFLICT = errorBody(409, 'Conflict', 'Write conflict inside transaction');
/** The status, description and message of an error body (engine errors add exception fields). */
const errorOf = (r: Reply) => {
  const b = r.json();
  return { 'http status code': b['http status code'], 'http status description': b['http status description'], message: b.message };
};
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Session ids by name, filled in as the steps run. */
const sid: Record<string, string> = {};

const newSession = (name: string): Step => ({
  name: `POST /_sessions (${name}) → 201, absolute Location`, method: 'POST', path: () => '/_sessions', status: 201,
  check: (r, srv) => {
    const loc = r.headers.get('location') ?? '';
    assert.match(loc, new RegExp(`^${srv.url}/_sessions/`));
    assert.match(loc, UUID);
    sid[name] = loc.slice(-36);
    assert.equal(r.text, '');
  },
});
const q = (name: string, n: number | string) => `sid=${sid[name]}&txn=${n}`;

const steps: Step[] = [
  { name: 'PUT a collection', method: 'PUT', path: () => '/tx', status: 201 },
  newSession('a'),
  { name: 'a session without a transaction: currentTxn null', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: null } },
  {
    name: 'POST /_txns → 201, relative Location with the number', method: 'POST', path: () => `/_sessions/${sid.a}/_txns`, status: 201,
    check: (r) => assert.equal(r.headers.get('location'), `/_sessions/${sid.a}/_txns/1`),
  },
  { name: 'POST /_txns while one is IN → 304', method: 'POST', path: () => `/_sessions/${sid.a}/_txns`, status: 304 },
  { name: 'GET /_txns → IN', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'IN' } } },
  { name: 'POST a document in the transaction → 201', method: 'POST', path: () => `/tx?${q('a', 1)}`, body: { _id: 'a1', v: 1 }, status: 201 },
  {
    name: 'the transaction reads its own write', method: 'GET', path: () => `/tx/a1?${q('a', 1)}`, status: 200,
    check: (r) => assert.equal(r.json().v, 1),
  },
  { name: 'other requests do not see it', method: 'GET', path: () => '/tx/a1', status: 404 },
  { name: 'nor in the collection', method: 'GET', path: () => '/tx', status: 200, expectBody: [] },
  {
    name: 'the collection in the transaction has it', method: 'GET', path: () => `/tx?${q('a', 1)}`, status: 200,
    check: (r) => assert.deepEqual(r.json().map((d: { _id: string }) => d._id), ['a1']),
  },
  { name: '_size in the transaction counts it', method: 'GET', path: () => `/tx/_size?${q('a', 1)}`, status: 200, expectBody: { _size: 1 } },
  { name: 'a write with a transaction number that is not current → 400', method: 'POST', path: () => `/tx?${q('a', 2)}`, body: { v: 0 }, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'commit of a number that is not current → 400', method: 'PATCH', path: () => `/_sessions/${sid.a}/_txns/2`, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'PATCH /_txns/1 commits → 200', method: 'PATCH', path: () => `/_sessions/${sid.a}/_txns/1`, status: 200 },
  { name: 'the committed document is visible to all', method: 'GET', path: () => '/tx/a1', status: 200, check: (r) => assert.equal(r.json().v, 1) },
  { name: 'GET /_txns → COMMITTED', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'COMMITTED' } } },
  { name: 'a write in the committed transaction → 400', method: 'POST', path: () => `/tx?${q('a', 1)}`, body: { v: 0 }, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'a read in the committed transaction → 400', method: 'GET', path: () => `/tx?${q('a', 1)}`, status: 400, expectBody: NOT_IN_PROGRESS },
  {
    name: 'an aggregation definition (outside any transaction, before the snapshot of transaction 2)', method: 'PATCH', path: () => '/tx', status: 200,
    body: { aggrs: [{ uri: 'ids', stages: [{ $match: {} }, { $sort: { _id: 1 } }, { $group: { _id: null, ids: { $push: '$_id' }, total: { $sum: '$v' } } }] }] },
  },
  { name: 'an aggregation in the committed transaction → 400', method: 'GET', path: () => `/tx/_aggrs/ids?${q('a', 1)}`, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'abort after commit → 400', method: 'DELETE', path: () => `/_sessions/${sid.a}/_txns/1`, status: 400, expectBody: NOT_IN_PROGRESS },
  {
    name: 'the next transaction is number 2', method: 'POST', path: () => `/_sessions/${sid.a}/_txns`, status: 201,
    check: (r) => assert.equal(r.headers.get('location'), `/_sessions/${sid.a}/_txns/2`),
  },
  { name: 'PATCH a document in transaction 2', method: 'PATCH', path: () => `/tx/a1?${q('a', 2)}`, body: { $set: { v: 2 } }, status: 200 },
  { name: 'DELETE on a document in transaction 2', method: 'DELETE', path: () => `/tx/a1?${q('a', 2)}`, status: 204 },
  { name: 'the transaction no longer sees it', method: 'GET', path: () => `/tx/a1?${q('a', 2)}`, status: 404 },
  { name: 'POST two documents (a bulk insert) in transaction 2', method: 'POST', path: () => `/tx?${q('a', 2)}`, body: [{ _id: 'b1', v: 1 }, { _id: 'b2', v: 2 }], status: 200 },
  { name: 'bulk PATCH with a filter in transaction 2', method: 'PATCH', path: () => `/tx/*?filter={"_id":{"$in":["b1","b2"]}}&${q('a', 2)}`, body: { $inc: { v: 10 } }, status: 200 },
  {
    name: 'a sorted, paged query in transaction 2 sees its writes', method: 'GET', path: () => `/tx?sort={"v":-1}&pagesize=1&page=2&${q('a', 2)}`, status: 200,
    check: (r) => assert.deepEqual(r.json().map((d: { _id: string; v: number }) => [d._id, d.v]), [['b1', 11]]),
  },
  { name: 'nobody else does', method: 'GET', path: () => '/tx/_size?filter={"_id":{"$in":["b1","b2"]}}', status: 200, expectBody: { _size: 0 } },
  {
    name: '/_aggrs in transaction 2 sees its writes over the snapshot', method: 'GET', path: () => `/tx/_aggrs/ids?${q('a', 2)}`, status: 200,
    expectBody: [{ _id: null, ids: ['b1', 'b2'], total: 23 }],
  },
  { name: '/_aggrs outside sees the committed documents', method: 'GET', path: () => '/tx/_aggrs/ids', status: 200, expectBody: [{ _id: null, ids: ['a1'], total: 1 }] },
  { name: 'DELETE /_txns/2 aborts → 204', method: 'DELETE', path: () => `/_sessions/${sid.a}/_txns/2`, status: 204 },
  { name: 'the aborted writes left nothing', method: 'GET', path: () => '/tx/a1', status: 200, check: (r) => assert.equal(r.json().v, 1) },
  { name: 'GET /_txns → ABORTED', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: { id: 2, status: 'ABORTED' } } },
  { name: 'commit after abort → 400', method: 'PATCH', path: () => `/_sessions/${sid.a}/_txns/2`, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'abort after abort → 400', method: 'DELETE', path: () => `/_sessions/${sid.a}/_txns/2`, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'a malformed ?sid= → 400', method: 'GET', path: () => '/tx?sid=not-a-uuid&txn=1', status: 400, expectBody: errorBody(400, 'Bad Request', 'Invalid session id') },
  { name: 'a malformed ?txn= → 400', method: 'GET', path: () => `/tx?sid=${sid.a}&txn=x`, status: 400, expectBody: errorBody(400, 'Bad Request', 'Invalid txn') },
  { name: 'a malformed session id in the path → 400', method: 'GET', path: () => '/_sessions/not-a-uuid/_txns', status: 400, expectBody: errorBody(400, 'Bad Request', 'Invalid session id') },
  { name: 'a transaction id that is not a number → 400', method: 'PATCH', path: () => `/_sessions/${sid.a}/_txns/abc`, status: 400, expectBody: errorBody(400, 'Bad Request', 'illegal txnId: it must be a number') },
  { name: 'an unknown (well-formed) session has no transaction', method: 'GET', path: () => `/_sessions/${randomUUID()}/_txns`, status: 200, expectBody: { currentTxn: null } },
  { name: 'commit in an unknown session → 400', method: 'PATCH', path: () => `/_sessions/${randomUUID()}/_txns/1`, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'a write in an unknown session\'s transaction → 400', method: 'POST', path: () => `/tx?sid=${randomUUID()}&txn=1`, body: {}, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'a session id alone (no txn) runs outside any transaction', method: 'POST', path: () => `/tx?sid=${sid.a}`, body: { _id: 'plain' }, status: 201 },
  { name: '… and is visible at once', method: 'GET', path: () => '/tx/plain', status: 200 },
  { name: 'GET /_sessions/{sid} → 405', method: 'GET', path: () => `/_sessions/${sid.a}`, status: 405 },
  // two transactions writing one document: the second loses, and is aborted (RESTHeart's txns-errors)
  newSession('b'),
  newSession('c'),
  { name: 'b starts a transaction', method: 'POST', path: () => `/_sessions/${sid.b}/_txns`, status: 201 },
  { name: 'c starts a transaction', method: 'POST', path: () => `/_sessions/${sid.c}/_txns`, status: 201 },
  { name: 'b inserts _id 1', method: 'POST', path: () => `/tx?${q('b', 1)}`, body: { _id: 1, by: 'b' }, status: 201 },
  { name: 'c inserting _id 1 → 409', method: 'POST', path: () => `/tx?${q('c', 1)}`, body: { _id: 1, by: 'c' }, status: 409, expectBody: CONFLICT },
  { name: 'c was aborted', method: 'GET', path: () => `/_sessions/${sid.c}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'ABORTED' } } },
  { name: 'b is still IN', method: 'GET', path: () => `/_sessions/${sid.b}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'IN' } } },
  { name: 'b commits', method: 'PATCH', path: () => `/_sessions/${sid.b}/_txns/1`, status: 200 },
  { name: 'b\'s document is stored', method: 'GET', path: () => '/tx/1?id_type=NUMBER', status: 200, check: (r) => assert.equal(r.json().by, 'b') },
  // a plain write to a document a transaction wrote: the plain write wins, the commit conflicts
  newSession('d'),
  { name: 'd starts a transaction', method: 'POST', path: () => `/_sessions/${sid.d}/_txns`, status: 201 },
  { name: 'd updates a1', method: 'PATCH', path: () => `/tx/a1?${q('d', 1)}`, body: { $set: { v: 9 } }, status: 200 },
  { name: 'a plain write updates a1', method: 'PATCH', path: () => '/tx/a1', body: { $set: { v: 5 } }, status: 200 },
  { name: 'd\'s commit → 409', method: 'PATCH', path: () => `/_sessions/${sid.d}/_txns/1`, status: 409, expectBody: CONFLICT },
  { name: 'the plain write stands', method: 'GET', path: () => '/tx/a1', status: 200, check: (r) => assert.equal(r.json().v, 5) },
  { name: 'd was aborted', method: 'GET', path: () => `/_sessions/${sid.d}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'ABORTED' } } },
  // ending a session aborts its transaction
  { name: 'd starts transaction 2', method: 'POST', path: () => `/_sessions/${sid.d}/_txns`, status: 201 },
  { name: 'd writes in it', method: 'POST', path: () => `/tx?${q('d', 2)}`, body: { _id: 'ended' }, status: 201 },
  { name: 'DELETE /_sessions/{sid} → 200', method: 'DELETE', path: () => `/_sessions/${sid.d}`, status: 200 },
  { name: 'the ended session\'s write is gone', method: 'GET', path: () => '/tx/ended', status: 404 },
  { name: 'DELETE of a malformed session id → 400', method: 'DELETE', path: () => '/_sessions/nope', status: 400, expectBody: errorBody(400, 'Bad Request', 'Invalid session id') },
  { name: 'sessions need credentials', method: 'POST', path: () => '/_sessions', status: 401 },
];

describe('sessions and transactions: every status', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => srv.close());
  for (const s of steps) {
    test(s.name, async () => {
      const headers = s.name === 'sessions need credentials' ? { Authorization: '' } : undefined;
      await checkStep(srv, s, headers);
    });
  }
});

async function startTxn(srv: { url: string }): Promise<string> {
  const loc = (await call(srv, 'POST', '/_sessions')).headers.get('location')!;
  const id = loc.slice(-36);
  assert.equal((await call(srv, 'POST', `/_sessions/${id}/_txns`)).status, 201);
  return id;
}

describe('sessions and transactions: concurrency', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    assert.equal((await call(srv, 'PUT', '/cc')).status, 201);
  });
  after(async () => srv.close());

  test('two concurrent transactions update one document: one succeeds, the other gets 409', async () => {
    assert.equal((await call(srv, 'POST', '/cc', { body: { _id: 'x', n: 0 } })).status, 201);
    const [s1, s2] = await Promise.all([startTxn(srv), startTxn(srv)]);
    const [r1, r2] = await Promise.all([
      call(srv, 'PATCH', `/cc/x?sid=${s1}&txn=1`, { body: { $inc: { n: 1 } } }),
      call(srv, 'PATCH', `/cc/x?sid=${s2}&txn=1`, { body: { $inc: { n: 10 } } }),
    ]);
    assert.deepEqual([r1.status, r2.status].sort(), [200, 409]);
    const winner = r1.status === 200 ? s1 : s2;
    assert.deepEqual(errorOf(r1.status === 409 ? r1 : r2), CONFLICT);
    assert.equal((await call(srv, 'PATCH', `/_sessions/${winner}/_txns/1`)).status, 200);
    assert.equal((await call(srv, 'GET', '/cc/x')).json().n, winner === s1 ? 1 : 10);
  });
});

describe('sessions and transactions: lifetime limit', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: '/docrest/transaction-lifetime-limit->0.3' });
    assert.equal((await call(srv, 'PUT', '/cc')).status, 201);
  });
  after(async () => srv.close());

  test('an abandoned transaction is aborted after docrest.transaction-lifetime-limit', async () => {
    const s = await startTxn(srv);
    // on a loaded machine the 0.3 s may be over before this write: then it is refused, and either
    // way nothing of the transaction may remain once it is aborted
    const write = await call(srv, 'POST', `/cc?sid=${s}&txn=1`, { body: { _id: 'abandoned' } });
    if (write.status !== 201) assert.deepEqual(errorOf(write), NOT_IN_PROGRESS);
    const deadline = Date.now() + 10_000;
    while ((await call(srv, 'GET', `/_sessions/${s}/_txns`)).json().currentTxn.status === 'IN') {
      assert.ok(Date.now() < deadline, 'still IN 10 s after a 0.3 s lifetime');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(errorOf(await call(srv, 'PATCH', `/_sessions/${s}/_txns/1`)), NOT_IN_PROGRESS);
    assert.equal((await call(srv, 'GET', '/cc/abandoned')).status, 404);
  });
});

describe('sessions and transactions: kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-txn-kill-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('a committed transaction survives kill -9; an uncommitted one leaves nothing', async () => {
    let srv = await spawnServer({ dataDir });
    try {
      assert.equal((await call(srv, 'PUT', '/k')).status, 201);
      const done = await startTxn(srv);
      for (let i = 0; i < 5; i++) assert.equal((await call(srv, 'POST', `/k?sid=${done}&txn=1`, { body: { _id: `c${i}` } })).status, 201);
      assert.equal((await call(srv, 'PATCH', `/_sessions/${done}/_txns/1`)).status, 200);
      const open = await startTxn(srv);
      for (let i = 0; i < 5; i++) assert.equal((await call(srv, 'POST', `/k?sid=${open}&txn=1`, { body: { _id: `u${i}` } })).status, 201);
      srv.child.kill('SIGKILL');
      await new Promise((r) => srv.child.once('exit', r));
      srv = await spawnServer({ dataDir });
      const ids = (await call(srv, 'GET', '/k?sort={"_id":1}')).json().map((d: { _id: string }) => d._id);
      assert.deepEqual(ids, ['c0', 'c1', 'c2', 'c3', 'c4']);
      // as after a mongod restart, the open transaction did not survive
      assert.deepEqual((await call(srv, 'GET', `/_sessions/${open}/_txns`)).json(), { currentTxn: { id: 1, status: 'ABORTED' } });
      assert.deepEqual(errorOf(await call(srv, 'POST', `/k?sid=${open}&txn=1`, { body: {} })), NOT_IN_PROGRESS);
    } finally {
      srv.child.kill('SIGKILL');
    }
  });
});

describe('sessions and transactions: two workers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-txn-workers-'));
  let child: ChildProcess;
  const srv = { url: '' };

  before(async () => {
    const probe = await spawnServer({ dataDir });
    const port = Number(new URL(probe.url).port);
    probe.child.kill('SIGKILL');
    await new Promise((r) => probe.child.once('exit', r));
    srv.url = `http://127.0.0.1:${port}`;
    ({ child } = await spawnWorkers({ dataDir, workers: 2, port }));
  });
  after(() => {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // a fresh connection per request: node:cluster hands connections to the workers in turn
  const closing = { Connection: 'close', Authorization: ADMIN };

  test('one transaction spread over both workers: its writes are seen by it on both, by nobody else until the commit', async () => {
    assert.equal((await call(srv, 'PUT', '/w', { headers: closing })).status, 201);
    const s = await startTxn(srv);
    for (let i = 0; i < 10; i++) {
      assert.equal((await call(srv, 'POST', `/w?sid=${s}&txn=1`, { headers: closing, body: { _id: i } })).status, 201);
      assert.deepEqual((await call(srv, 'GET', `/w/_size?sid=${s}&txn=1`, { headers: closing })).json(), { _size: i + 1 });
      assert.deepEqual((await call(srv, 'GET', '/w/_size', { headers: closing })).json(), { _size: 0 });
    }
    assert.equal((await call(srv, 'PATCH', `/_sessions/${s}/_txns/1`, { headers: closing })).status, 200);
    for (let i = 0; i < 4; i++) assert.deepEqual((await call(srv, 'GET', '/w/_size', { headers: closing })).json(), { _size: 10 });
  });

  test('a conflict between transactions is found whichever worker each request reaches', async () => {
    const [s1, s2] = [await startTxn(srv), await startTxn(srv)];
    assert.equal((await call(srv, 'PATCH', `/w/3?id_type=NUMBER&sid=${s1}&txn=1`, { headers: closing, body: { $set: { by: 1 } } })).status, 200);
    assert.deepEqual(errorOf(await call(srv, 'PATCH', `/w/3?id_type=NUMBER&sid=${s2}&txn=1`, { headers: closing, body: { $set: { by: 2 } } })), CONFLICT);
    assert.equal((await call(srv, 'PATCH', `/_sessions/${s1}/_txns/1`, { headers: closing })).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await call(srv, 'GET', '/w/3?id_type=NUMBER', { headers: closing })).json().by, 1);
  });

  test('a snapshot holds whichever worker serves the request: writes by others after the first read are not seen, and writing them conflicts', async () => {
    assert.equal((await call(srv, 'PUT', '/snap', { headers: closing })).status, 201);
    for (const doc of [{ _id: 'a', v: 1 }, { _id: 'b', v: 1 }]) assert.equal((await call(srv, 'POST', '/snap', { headers: closing, body: doc })).status, 201);
    const s = await startTxn(srv);
    const inTxn = async () => (await call(srv, 'GET', `/snap?sort={"_id":1}&sid=${s}&txn=1`, { headers: closing })).json().map((d: { _id: string; v: number }) => [d._id, d.v]);
    assert.deepEqual(await inTxn(), [['a', 1], ['b', 1]]);
    assert.equal((await call(srv, 'PATCH', '/snap/a', { headers: closing, body: { $set: { v: 2 } } })).status, 200);
    assert.equal((await call(srv, 'DELETE', '/snap/b', { headers: closing })).status, 204);
    assert.equal((await call(srv, 'POST', '/snap', { headers: closing, body: { _id: 'c', v: 1 } })).status, 201);
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await inTxn(), [['a', 1], ['b', 1]]);
      assert.deepEqual((await call(srv, 'GET', `/snap/_size?sid=${s}&txn=1`, { headers: closing })).json(), { _size: 2 });
      assert.equal((await call(srv, 'GET', `/snap/c?sid=${s}&txn=1`, { headers: closing })).status, 404);
    }
    assert.deepEqual(errorOf(await call(srv, 'PATCH', `/snap/a?sid=${s}&txn=1`, { headers: closing, body: { $set: { v: 3 } } })), CONFLICT);
    assert.equal((await call(srv, 'GET', '/snap/a', { headers: closing })).json().v, 2);
  });
});

describe('sessions and transactions: the MongoDB engine on a standalone server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-txn-wire-'));
  let shim: WireShim;
  let srv: TestServer;
  before(async () => {
    shim = new WireShim(dir);
    const port = await shim.listen();
    srv = await startServer({ rho: `/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}"` });
  });
  after(async () => {
    await srv.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const STANDALONE = errorBody(502, 'Bad Gateway', 'Transaction numbers are only allowed on a replica set member or mongos');
  test('POST /_sessions → 502 with MongoDB\'s message (transactions need a replica set, as in RESTHeart)', async () => {
    await checkScenario(srv, { name: 'standalone', method: 'POST', path: '/_sessions', status: 502, expectBody: STANDALONE });
  });
  test('POST /_sessions/{sid}/_txns → 502', async () => {
    await checkScenario(srv, { name: 'standalone', method: 'POST', path: `/_sessions/${randomUUID()}/_txns`, status: 502, expectBody: STANDALONE });
  });
  test('a request naming a transaction → 400, nothing written', async () => {
    assert.equal((await call(srv, 'PUT', '/m')).status, 201);
    assert.deepEqual(errorOf(await call(srv, 'POST', `/m?sid=${randomUUID()}&txn=1`, { body: { _id: 1 } })), NOT_IN_PROGRESS);
    assert.deepEqual((await call(srv, 'GET', '/m')).json(), []);
  });
});
