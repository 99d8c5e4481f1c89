// Change streams (API.md §12) on the embedded engine, through real WebSocket and SSE clients:
// every event type in commit order, errors, notify_when, resume after a reconnect and after a
// restart, a lost resume point, and the end of a stream when its collection goes or its
// definition changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EmbeddedEngine } from '../../src/engine/embedded/engine.ts';
import { WireShim } from '../engine/wire/shim.ts';
import { streamClients } from '../../src/api/handlers/streams.ts';
import { call, errorBody, startServer, type Reply, type TestServer } from '../helpers/server.ts';
import { isRefused, nextOnBoth, openSse, openWs, sse, type SseStream, type WsStream } from '../helpers/stream-clients.ts';

const ALL_DBS = '/mongo/mongo-mounts->[{"what":"*","where":"/"}]';

const STREAMS = [
  { uri: 'all', stages: [] },
  { uri: 'inserts', stages: [{ $match: { operationType: 'insert' } }] },
  { uri: 'named', stages: [{ $match: { 'fullDocument.name': { $var: 'n' } } }] },
  { uri: 'lookup', stages: [{ $lookup: { from: 'x', localField: 'a', foreignField: 'b', as: 'c' } }] },
  { uri: 'by-tenant', stages: [], notify_when: { 'fullDocument::tenant': { $var: 'tid' } } },
];

async function setup(srv: TestServer, coll = 'c'): Promise<string> {
  await call(srv, 'PUT', '/db');
  const r = await call(srv, 'PUT', `/db/${coll}`, { body: { streams: STREAMS } });
  assert.ok(r.status === 201 || r.status === 200, r.text);
  return r.headers.get('etag')!;
}

const ok = async (p: Promise<Reply>) => {
  const r = await p;
  assert.ok(r.status < 300, `${r.status} ${r.text}`);
  return r;
};

describe('change streams: errors', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: ALL_DBS });
    await setup(srv);
  });
  after(() => srv.close());

  const cases: Array<{ name: string; path: string; headers?: Record<string, string>; status: number; message?: string }> = [
    { name: 'neither WebSocket nor SSE', path: '/db/c/_streams/all', headers: { Accept: 'application/json' }, status: 400,
      message: "Change Stream requires WebSocket or SSE — send either 'Upgrade: websocket' or 'Accept: text/event-stream'" },
    { name: 'unknown stream', path: '/db/c/_streams/nope', status: 404, message: 'Change Stream does not exist' },
    { name: 'unknown collection', path: '/db/nope/_streams/all', status: 404 },
    { name: 'unbound variable', path: '/db/c/_streams/named', status: 400, message: 'cannot execute aggregation' },
    { name: 'pipeline security', path: '/db/c/_streams/lookup', status: 403 },
    { name: 'malformed Last-Event-ID', path: '/db/c/_streams/all', headers: { 'Last-Event-ID': 'not json' }, status: 400 },
    { name: 'Last-Event-ID that is no resume token', path: '/db/c/_streams/all', headers: { 'Last-Event-ID': '{"x":1}' }, status: 400 },
    { name: 'no credentials', path: '/db/c/_streams/all', headers: { Authorization: '' }, status: 401 },
  ];
  for (const c of cases) {
    test(`SSE: ${c.name} → ${c.status}`, async () => {
      const headers: Record<string, string> = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`, ...c.headers };
      if (headers.Authorization === '') delete headers.Authorization;
      const r = await openSse(srv.url, c.path, headers);
      assert.ok(isRefused(r), 'refused');
      assert.equal(r.status, c.status, r.body);
      if (c.message) assert.equal(JSON.parse(r.body).message, c.message);
    });
  }

  test('WebSocket: unknown stream → 404, no credentials → 401, pipeline security → 403', async () => {
    await assert.rejects(openWs(srv.url, '/db/c/_streams/nope'), { status: 404 });
    await assert.rejects(openWs(srv.url, '/db/c/_streams/all', {}), { status: 401 });
    await assert.rejects(openWs(srv.url, '/db/c/_streams/lookup'), { status: 403 });
  });

  test('a bad stream definition is refused when written (422)', async () => {
    const r = await call(srv, 'PATCH', '/db/c', { body: { streams: [{ uri: 'x', stages: {} }] } });
    assert.equal(r.status, 422, r.text);
  });

  test('definitions are stored escaped', async () => {
    const meta = (await call(srv, 'GET', '/db/c/_meta')).json();
    assert.deepEqual(meta.streams[1].stages, [{ _$match: { operationType: 'insert' } }]);
    assert.deepEqual(meta.streams[2].stages, [{ _$match: { 'fullDocument::name': { _$var: 'n' } } }]);
  });
});

describe('change streams: events', () => {
  let srv: TestServer;
  let etag: string;
  before(async () => {
    srv = await startServer({ rho: ALL_DBS });
    etag = await setup(srv);
  });
  after(() => srv.close());

  test('every write path, in commit order, over WebSocket and SSE; a drop invalidates and closes', async () => {
    const ws = await openWs(srv.url, '/db/c/_streams/all');
    const es = await sse(srv.url, '/db/c/_streams/all');
    const ins = await openWs(srv.url, '/db/c/_streams/inserts');

    await ok(call(srv, 'POST', '/db/c', { body: { _id: 'a', n: 1, sub: { x: 1, y: 1 } } }));
    await ok(call(srv, 'PATCH', '/db/c/a', { body: { $set: { 'sub.x': 2 }, $unset: { n: '' } } }));
    await ok(call(srv, 'PUT', '/db/c/a', { body: { m: 1 } }));
    await ok(call(srv, 'PUT', '/db/c/b?wm=upsert', { body: { m: 2 } }));
    await ok(call(srv, 'POST', '/db/c', { body: [{ _id: 'c' }, { _id: 'd' }] }));
    await ok(call(srv, 'PATCH', '/db/c/*?filter={"_id":{"$in":["c","d"]}}', { body: { $set: { k: 1 } } }));
    await ok(call(srv, 'DELETE', '/db/c/a'));
    // a transaction: nothing until the commit; an aborted one never
    const sid = (await ok(call(srv, 'POST', '/_sessions'))).headers.get('location')!.split('/').pop()!;
    await ok(call(srv, 'POST', `/_sessions/${sid}/_txns`));
    await ok(call(srv, 'POST', `/db/c?sid=${sid}&txn=1`, { body: { _id: 't1' } }));
    await ok(call(srv, 'DELETE', `/_sessions/${sid}/_txns/1`));
    await ok(call(srv, 'POST', `/_sessions/${sid}/_txns`));
    await ok(call(srv, 'POST', `/db/c?sid=${sid}&txn=2`, { body: { _id: 't2' } }));
    await ok(call(srv, 'PATCH', `/_sessions/${sid}/_txns/2`));
    await ok(call(srv, 'DELETE', '/db/c', { headers: { 'If-Match': (await call(srv, 'GET', '/db/c/_meta')).headers.get('etag') ?? etag } }));

    const expected: Array<[string, unknown]> = [
      ['insert', 'a'], ['update', 'a'], ['replace', 'a'], ['insert', 'b'], ['insert', 'c'], ['insert', 'd'],
      ['update', 'c'], ['update', 'd'], ['delete', 'a'], ['insert', 't2'], ['drop', undefined], ['invalidate', undefined],
    ];
    const { viaWs, viaSse } = await nextOnBoth(ws, es, expected.length);
    assert.deepEqual(viaWs.map((e) => [e.operationType, e.documentKey?._id]), expected);
    // the event as RESTHeart shapes it: fullDocument, documentKey, updateDescription, operationType
    assert.deepEqual(Object.keys(viaWs[1]), ['fullDocument', 'documentKey', 'updateDescription', 'operationType']);
    // RESTHeart sets a new _etag on every write
    assert.deepEqual(Object.keys(viaWs[1].updateDescription.updatedFields), ['sub.x', '_etag']);
    assert.equal(viaWs[1].updateDescription.updatedFields['sub.x'], 2);
    assert.deepEqual(viaWs[1].updateDescription.removedFields, ['n']);
    assert.equal(viaWs[1].fullDocument.sub.x, 2);
    assert.deepEqual(Object.keys(viaWs[8]), ['documentKey', 'operationType']);
    assert.deepEqual(viaWs[10], { operationType: 'drop' });
    // SSE ids are resume tokens, increasing
    const ids = viaSse.map((e) => JSON.parse(e.id)._data as string);
    assert.deepEqual([...ids].sort(), ids);

    assert.deepEqual(await ws.closed, { code: 1000, reason: 'change stream invalidated: the collection or database was dropped' });
    await es.ended;
    // the filtered stream saw the inserts only, and the end
    const inserted = [];
    for (let i = 0; i < 6; i++) inserted.push(await ins.next());
    assert.deepEqual(inserted.map((e) => [e.operationType, e.documentKey?._id]), [
      ['insert', 'a'], ['insert', 'b'], ['insert', 'c'], ['insert', 'd'], ['insert', 't2'], ['invalidate', undefined],
    ]);
    assert.equal((await ins.closed).code, 1000);
  });

  test('changing the stream definitions closes the connections of that collection', async () => {
    await setup(srv, 'd');
    const ws = await openWs(srv.url, '/db/d/_streams/all');
    const es = await sse(srv.url, '/db/d/_streams/all');
    await ok(call(srv, 'PATCH', '/db/d', { body: { streams: [{ uri: 'all', stages: [{ $match: { operationType: 'delete' } }] }] } }));
    assert.deepEqual(await ws.closed, { code: 1001, reason: 'change stream definition changed or removed' });
    assert.deepEqual(await es.next(), { event: 'close', data: 'change stream definition changed or removed' });
    await es.ended;
  });

  test('avars select the stream; clients with the same variables share it', async () => {
    await setup(srv, 'e');
    const [a1, a2, b] = await Promise.all([
      openWs(srv.url, '/db/e/_streams/named?avars={"n":"x"}'),
      sse(srv.url, '/db/e/_streams/named?avars={"n":"x"}'),
      openWs(srv.url, '/db/e/_streams/named?avars={"n":"y"}'),
    ]);
    await ok(call(srv, 'POST', '/db/e', { body: [{ _id: 1, name: 'y' }, { _id: 2, name: 'x' }] }));
    assert.equal((await a1.next()).documentKey._id, 2);
    assert.equal((await a2.nextChange()).data.documentKey._id, 2);
    assert.equal((await b.next()).documentKey._id, 1);
  });

  test('notify_when: a client with the parameter gets the events whose field equals or contains it', async () => {
    await setup(srv, 'f');
    const [ta, tb, all] = await Promise.all([
      openWs(srv.url, '/db/f/_streams/by-tenant?tid=a'),
      sse(srv.url, '/db/f/_streams/by-tenant?tid=b'),
      openWs(srv.url, '/db/f/_streams/by-tenant'),
    ]);
    await ok(call(srv, 'POST', '/db/f', { body: { _id: 1, tenant: 'a' } }));
    await ok(call(srv, 'POST', '/db/f', { body: { _id: 2, tenant: 'b' } }));
    await ok(call(srv, 'POST', '/db/f', { body: { _id: 3, tenant: 7 } }));
    await ok(call(srv, 'POST', '/db/f', { body: { _id: 4, tenant: ['a', 'b'] } }));
    const ids = async (next: () => Promise<any>, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push((await next()).documentKey._id);
      return out;
    };
    assert.deepEqual(await ids(() => ta.next(), 2), [1, 4]);
    assert.deepEqual(await ids(async () => (await tb.nextChange()).data, 2), [2, 4]);
    assert.deepEqual(await ids(() => all.next(), 4), [1, 2, 3, 4]);
  });
});

describe('change streams: resume', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-streams-'));
  const rho = `${ALL_DBS};/docrest/change-streams/log-max-entries->3`;
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho, dataDir });
    await setup(srv);
  });
  after(async () => {
    await srv.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('Last-Event-ID resumes right after that event, after a reconnect and after a restart', async () => {
    let es: SseStream = await sse(srv.url, '/db/c/_streams/all');
    await ok(call(srv, 'POST', '/db/c', { body: { _id: 1 } }));
    const first = await es.nextChange();
    es.close();
    await ok(call(srv, 'POST', '/db/c', { body: { _id: 2 } }));
    await ok(call(srv, 'POST', '/db/c', { body: { _id: 3 } }));
    es = await sse(srv.url, '/db/c/_streams/all', { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`, 'Last-Event-ID': first.id });
    assert.equal((await es.nextChange()).data.documentKey._id, 2);
    const third = await es.nextChange();
    assert.equal(third.data.documentKey._id, 3);
    es.close();

    await srv.close();
    srv = await startServer({ rho, dataDir });
    await ok(call(srv, 'POST', '/db/c', { body: { _id: 4 } }));
    es = await sse(srv.url, '/db/c/_streams/all', { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`, 'Last-Event-ID': third.id });
    assert.equal((await es.nextChange()).data.documentKey._id, 4);
    // and it goes on live
    await ok(call(srv, 'POST', '/db/c', { body: { _id: 5 } }));
    assert.equal((await es.nextChange()).data.documentKey._id, 5);
    es.close();

    // past the retention (3 entries kept), the first token is lost
    await (srv.running.engine as EmbeddedEngine).trimChanges();
    const lost = await openSse(srv.url, '/db/c/_streams/all', { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`, 'Last-Event-ID': first.id });
    assert.ok(isRefused(lost));
    assert.deepEqual(JSON.parse(lost.body), {
      ...errorBody(400, 'Bad Request', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.'),
      exception: 'EngineError',
      'exception message': { code: 286, codeName: 'ChangeStreamHistoryLost', errmsg: 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.' },
    });
  });
});

describe('change streams: security and limits', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({
      rho: `${ALL_DBS};/originVetoer/enabled->true;/originVetoer/whitelist->["http://good.example"];/docrest/change-streams/client-buffer->1024;/docrest/change-streams/heartbeat->0.05`,
    });
    await setup(srv);
    await ok(call(srv, 'POST', '/restheart/users', { body: { _id: 'u', password: 'p', roles: ['nobody'] } }));
  });
  after(() => srv.close());

  test('the ACL applies to the upgrade and to the SSE request', async () => {
    const auth = { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
    await assert.rejects(openWs(srv.url, '/db/c/_streams/all', auth), { status: 403 });
    const r = await openSse(srv.url, '/db/c/_streams/all', auth);
    assert.ok(isRefused(r));
    assert.equal(r.status, 403);
  });

  test('WebSocket origins pass the originVetoer; SSE answers carry CORS headers', async () => {
    const admin = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
    await assert.rejects(openWs(srv.url, '/db/c/_streams/all', { ...admin, Origin: 'http://evil.example' }), { status: 403 });
    const ws: WsStream = await openWs(srv.url, '/db/c/_streams/all', { ...admin, Origin: 'http://good.example' });
    const es = await sse(srv.url, '/db/c/_streams/all', { ...admin, Origin: 'http://good.example' });
    assert.equal(es.res.headers['access-control-allow-origin'], 'http://good.example');
    assert.equal(es.res.headers['access-control-allow-credentials'], 'true');
    // an idle SSE connection gets heartbeat comments
    while (es.comments() === 0) await new Promise((r) => setImmediate(r));
    ws.close();
    es.close();
  });

  test('a client that does not read is disconnected once its buffer passes the limit, with the reason', async () => {
    const admin = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
    const ws = await openWs(srv.url, '/db/c/_streams/all', admin);
    const es = await sse(srv.url, '/db/c/_streams/all', admin);
    const socket = (ws.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    es.res.pause();
    // 2 MB of events at a time until the server has told both to go: the kernel's socket buffers absorb the first megabytes
    const big = 'x'.repeat(200_000);
    for (let i = 0; i < 50 && streamClients(srv.running.settings) > 0; i++) await ok(call(srv, 'POST', '/db/c', { body: Array.from({ length: 10 }, () => ({ big })) }));
    assert.equal(streamClients(srv.running.settings), 0, 'both clients told to close');
    socket.resume();
    es.res.resume();
    assert.deepEqual(await ws.closed, { code: 1008, reason: 'client too slow: over 1024 bytes of change events unsent' });
    let last;
    for (let ev = await es.next(); ; ev = await es.next()) {
      if (ev.event === 'close') {
        last = ev;
        break;
      }
    }
    assert.deepEqual(last, { event: 'close', data: 'client too slow: over 1024 bytes of change events unsent' });
    assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    await es.ended;
    assert.equal(streamClients(srv.running.settings), 0);
  });
});

describe('change streams: the MongoDB engine on a server without change streams', () => {
  // the wire shim in its default mode is a standalone server, which answers $changeStream with
  // 40573 as mongod does: the stream request fails at once with 502 and the server's message
  let shim: WireShim;
  let srv: TestServer;
  const shimDir = mkdtempSync(join(tmpdir(), 'docrest-streams-shim-'));
  before(async () => {
    shim = new WireShim(shimDir);
    const port = await shim.listen();
    srv = await startServer({ rho: `/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}";${ALL_DBS}` });
    await setup(srv);
  });
  after(async () => {
    await srv.close();
    await shim.close();
    rmSync(shimDir, { recursive: true, force: true });
  });

  test('SSE and WebSocket → 502', async () => {
    const r = await openSse(srv.url, '/db/c/_streams/all');
    assert.ok(isRefused(r));
    assert.equal(r.status, 502, r.body);
    assert.match(JSON.parse(r.body).message, /\$changeStream/);
    await assert.rejects(openWs(srv.url, '/db/c/_streams/all'), { status: 502 });
    assert.equal(streamClients(srv.running.settings), 0);
  });
});
