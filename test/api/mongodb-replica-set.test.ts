// Sessions, transactions (API.md §11) and change streams (§12) over HTTP on the MongoDB engine,
// with the wire shim as a one-member replica set (../engine/wire/shim.ts): the driver's sessions,
// transactions and $changeStream cursors all the way from the request to the server. The answers
// are the embedded engine's under the shim; what this checks is that the MongoDB engine gives the
// same statuses and events as the embedded engine does (transactions.test.ts, change-streams.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WireShim } from '../engine/wire/shim.ts';
import { ADMIN, call, checkStep, errorBody, startServer, type Reply, type Step, type TestServer } from '../helpers/server.ts';
import { nextOnBoth, openWs, sse } from '../helpers/stream-clients.ts';

const NOT_IN_PROGRESS = errorBody(400, 'Bad Request', 'The given transaction is not in-progress');
const CONFLICT = errorBody(409, 'Conflict', 'Write conflict inside transaction');
const ALL_DBS = '/mongo/mongo-mounts->[{"what":"*","where":"/"}]';

const sid: Record<string, string> = {};
const q = (name: string, n: number) => `sid=${sid[name]}&txn=${n}`;
const newSession = (name: string) => ({
  name: `POST /_sessions (${name}) → 201`, method: 'POST', path: () => '/_sessions', status: 201,
  check: (r: Reply) => {
    sid[name] = (r.headers.get('location') ?? '').slice(-36);
  },
});

const steps: Step[] = [
  { name: 'PUT a database', method: 'PUT', path: () => '/db', status: 201 },
  { name: 'PUT a collection', method: 'PUT', path: () => '/db/tx', status: 201 },
  newSession('a'),
  { name: 'a session without a transaction: currentTxn null', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: null } },
  { name: 'POST /_txns → 201', method: 'POST', path: () => `/_sessions/${sid.a}/_txns`, status: 201, check: (r) => assert.equal(r.headers.get('location'), `/_sessions/${sid.a}/_txns/1`) },
  { name: 'POST /_txns while one is IN → 304', method: 'POST', path: () => `/_sessions/${sid.a}/_txns`, status: 304 },
  { name: 'POST a document in the transaction → 201', method: 'POST', path: () => `/db/tx?${q('a', 1)}`, body: { _id: 'a1', v: 1 }, status: 201 },
  { name: 'the transaction reads its own write', method: 'GET', path: () => `/db/tx/a1?${q('a', 1)}`, status: 200, check: (r) => assert.equal(r.json().v, 1) },
  { name: 'other requests do not see it', method: 'GET', path: () => '/db/tx/a1', status: 404 },
  { name: '_size in the transaction counts it', method: 'GET', path: () => `/db/tx/_size?${q('a', 1)}`, status: 200, expectBody: { _size: 1 } },
  { name: 'GET /_txns → IN', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'IN' } } },
  { name: 'a write with a number that is not current → 400', method: 'POST', path: () => `/db/tx?${q('a', 2)}`, body: {}, status: 400, expectBody: NOT_IN_PROGRESS },
  { name: 'PATCH /_txns/1 commits → 200', method: 'PATCH', path: () => `/_sessions/${sid.a}/_txns/1`, status: 200 },
  { name: 'the committed document is visible to all', method: 'GET', path: () => '/db/tx/a1', status: 200, check: (r) => assert.equal(r.json().v, 1) },
  { name: 'GET /_txns → COMMITTED', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'COMMITTED' } } },
  { name: 'the next transaction is number 2', method: 'POST', path: () => `/_sessions/${sid.a}/_txns`, status: 201, check: (r) => assert.equal(r.headers.get('location'), `/_sessions/${sid.a}/_txns/2`) },
  { name: 'bulk POST in transaction 2', method: 'POST', path: () => `/db/tx?${q('a', 2)}`, body: [{ _id: 'b1', v: 1 }, { _id: 'b2', v: 2 }], status: 200 },
  { name: 'bulk PATCH in transaction 2', method: 'PATCH', path: () => `/db/tx/*?filter={"_id":{"$in":["b1","b2"]}}&${q('a', 2)}`, body: { $inc: { v: 10 } }, status: 200 },
  {
    name: 'a sorted, paged query in transaction 2 sees its writes', method: 'GET', path: () => `/db/tx?sort={"v":-1}&pagesize=1&page=2&${q('a', 2)}`, status: 200,
    check: (r) => assert.deepEqual(r.json().map((d: { _id: string; v: number }) => [d._id, d.v]), [['b1', 11]]),
  },
  { name: 'DELETE /_txns/2 aborts → 204', method: 'DELETE', path: () => `/_sessions/${sid.a}/_txns/2`, status: 204 },
  { name: 'the aborted writes left nothing', method: 'GET', path: () => '/db/tx/_size?filter={"_id":{"$in":["b1","b2"]}}', status: 200, expectBody: { _size: 0 } },
  { name: 'GET /_txns → ABORTED', method: 'GET', path: () => `/_sessions/${sid.a}/_txns`, status: 200, expectBody: { currentTxn: { id: 2, status: 'ABORTED' } } },
  { name: 'abort after abort → 400', method: 'DELETE', path: () => `/_sessions/${sid.a}/_txns/2`, status: 400, expectBody: NOT_IN_PROGRESS },
  // two transactions inserting one _id: the second gets 409 and is aborted; its session goes on
  newSession('b'),
  newSession('c'),
  { name: 'b starts a transaction', method: 'POST', path: () => `/_sessions/${sid.b}/_txns`, status: 201 },
  { name: 'c starts a transaction', method: 'POST', path: () => `/_sessions/${sid.c}/_txns`, status: 201 },
  { name: 'b inserts _id 1', method: 'POST', path: () => `/db/tx?${q('b', 1)}`, body: { _id: 1, by: 'b' }, status: 201 },
  { name: 'c inserting _id 1 → 409', method: 'POST', path: () => `/db/tx?${q('c', 1)}`, body: { _id: 1, by: 'c' }, status: 409, expectBody: CONFLICT },
  { name: 'c was aborted', method: 'GET', path: () => `/_sessions/${sid.c}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'ABORTED' } } },
  { name: 'b commits', method: 'PATCH', path: () => `/_sessions/${sid.b}/_txns/1`, status: 200 },
  { name: 'c starts its next transaction → 201', method: 'POST', path: () => `/_sessions/${sid.c}/_txns`, status: 201, check: (r) => assert.equal(r.headers.get('location'), `/_sessions/${sid.c}/_txns/2`) },
  { name: 'c writes and commits it', method: 'POST', path: () => `/db/tx?${q('c', 2)}`, body: { _id: 2, by: 'c' }, status: 201 },
  { name: 'c commits → 200', method: 'PATCH', path: () => `/_sessions/${sid.c}/_txns/2`, status: 200 },
  { name: 'both documents are stored', method: 'GET', path: () => '/db/tx?filter={"by":{"$exists":true}}&sort={"_id":1}', status: 200, check: (r) => assert.deepEqual(r.json().map((d: { by: string }) => d.by), ['b', 'c']) },
  // a plain write to a document a transaction wrote: the commit conflicts (the shim's embedded
  // engine lets the plain write through; mongod would make it wait for the transaction)
  newSession('d'),
  { name: 'd starts a transaction', method: 'POST', path: () => `/_sessions/${sid.d}/_txns`, status: 201 },
  { name: 'd updates a1', method: 'PATCH', path: () => `/db/tx/a1?${q('d', 1)}`, body: { $set: { v: 9 } }, status: 200 },
  { name: 'a plain write updates a1', method: 'PATCH', path: () => '/db/tx/a1', body: { $set: { v: 5 } }, status: 200 },
  { name: 'd\'s commit → 409', method: 'PATCH', path: () => `/_sessions/${sid.d}/_txns/1`, status: 409, expectBody: CONFLICT },
  { name: 'd was aborted', method: 'GET', path: () => `/_sessions/${sid.d}/_txns`, status: 200, expectBody: { currentTxn: { id: 1, status: 'ABORTED' } } },
  { name: 'd starts its next transaction → 201', method: 'POST', path: () => `/_sessions/${sid.d}/_txns`, status: 201, check: (r) => assert.equal(r.headers.get('location'), `/_sessions/${sid.d}/_txns/2`) },
  { name: 'd commits it empty → 200', method: 'PATCH', path: () => `/_sessions/${sid.d}/_txns/2`, status: 200 },
  { name: 'the plain write stands', method: 'GET', path: () => '/db/tx/a1', status: 200, check: (r) => assert.equal(r.json().v, 5) },
  // ending a session aborts its transaction
  { name: 'b starts transaction 2', method: 'POST', path: () => `/_sessions/${sid.b}/_txns`, status: 201 },
  { name: 'b writes in it', method: 'POST', path: () => `/db/tx?${q('b', 2)}`, body: { _id: 'ended' }, status: 201 },
  { name: 'DELETE /_sessions/{sid} → 200', method: 'DELETE', path: () => `/_sessions/${sid.b}`, status: 200 },
  { name: 'the ended session\'s write is gone', method: 'GET', path: () => '/db/tx/ended', status: 404 },
];

describe('MongoDB engine on a replica set: sessions, transactions and change streams over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-rs-shim-'));
  const shim = new WireShim(dir, { replicaSet: 'rs0' });
  let srv: TestServer;
  before(async () => {
    const port = await shim.listen();
    srv = await startServer({ rho: `/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}/?replicaSet=rs0";${ALL_DBS}` });
  });
  after(async () => {
    await srv.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const s of steps) {
    test(s.name, async () => {
      await checkStep(srv, s);
    });
  }

  test('a change stream over WebSocket and SSE: writes in commit order, a transaction at its commit, the drop ends it', async () => {
    assert.equal((await call(srv, 'PUT', '/db/cs', { body: { streams: [{ uri: 'all', stages: [] }] } })).status, 201);
    const ws = await openWs(srv.url, '/db/cs/_streams/all');
    const es = await sse(srv.url, '/db/cs/_streams/all');
    const ok = async (p: Promise<Reply>) => assert.ok((await p).status < 300);
    await ok(call(srv, 'POST', '/db/cs', { body: { _id: 'a', n: 1 } }));
    await ok(call(srv, 'PATCH', '/db/cs/a', { body: { $set: { n: 2 } } }));
    const s = (await call(srv, 'POST', '/_sessions')).headers.get('location')!.slice(-36);
    await ok(call(srv, 'POST', `/_sessions/${s}/_txns`));
    await ok(call(srv, 'POST', `/db/cs?sid=${s}&txn=1`, { body: { _id: 't1' } }));
    await ok(call(srv, 'DELETE', `/_sessions/${s}/_txns/1`));
    await ok(call(srv, 'POST', `/_sessions/${s}/_txns`));
    await ok(call(srv, 'POST', `/db/cs?sid=${s}&txn=2`, { body: { _id: 't2' } }));
    await ok(call(srv, 'PATCH', `/_sessions/${s}/_txns/2`));
    await ok(call(srv, 'DELETE', '/db/cs/a'));
    const etag = (await call(srv, 'GET', '/db/cs/_meta')).headers.get('etag')!;
    await ok(call(srv, 'DELETE', '/db/cs', { headers: { 'If-Match': etag } }));
    const expected = [['insert', 'a'], ['update', 'a'], ['insert', 't2'], ['delete', 'a'], ['drop', undefined], ['invalidate', undefined]];
    const { viaWs } = await nextOnBoth(ws, es, expected.length);
    assert.deepEqual(viaWs.map((e) => [e.operationType, e.documentKey?._id]), expected);
    assert.equal(viaWs[1].fullDocument.n, 2);
    assert.deepEqual(await ws.closed, { code: 1000, reason: 'change stream invalidated: the collection or database was dropped' });
    await es.ended;
  });

  test('Last-Event-ID resumes right after that event', async () => {
    assert.equal((await call(srv, 'PUT', '/db/r', { body: { streams: [{ uri: 'all', stages: [] }] } })).status, 201);
    let es = await sse(srv.url, '/db/r/_streams/all');
    assert.equal((await call(srv, 'POST', '/db/r', { body: { _id: 1 } })).status, 201);
    const first = await es.nextChange();
    es.close();
    assert.equal((await call(srv, 'POST', '/db/r', { body: { _id: 2 } })).status, 201);
    es = await sse(srv.url, '/db/r/_streams/all', { Authorization: ADMIN, 'Last-Event-ID': first.id });
    assert.equal((await es.nextChange()).data.documentKey._id, 2);
    es.close();
  });
});
