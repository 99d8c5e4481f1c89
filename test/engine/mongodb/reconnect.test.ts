// docrest on the MongoDB engine when MongoDB goes away and comes back, with the wire shim
// (../wire/shim.ts) standing in for mongod: requests meanwhile get 503 with an error body, and
// the same process serves again once the server is back — no restart, no cached broken client.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import { EngineError } from '../../../src/errors.ts';
import { call, startServer, type TestServer } from '../../helpers/server.ts';
import { WireShim } from '../wire/shim.ts';

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('MongoDB engine: a lost server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-reconnect-'));
  const shim = new WireShim(dir);
  let port: number;
  let engine: MongoEngine;
  before(async () => {
    port = await shim.listen();
    engine = await MongoEngine.connect(`mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=400&heartbeatFrequencyMS=500`);
  });
  after(async () => {
    await engine?.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('operations fail with HostUnreachable while it is down, and work again when it is back', async () => {
    const c = engine.db('r').collection('c');
    await c.insertOne({ _id: 1 });
    await shim.stop();
    for (const op of [() => c.find({}), () => c.insertOne({ _id: 2 }), () => engine.ping()]) {
      await assert.rejects(op(), (e: unknown) => {
        assert.ok(e instanceof EngineError, String(e));
        assert.ok([6, 89].includes(e.code), `code ${e.code}: ${e.message}`);
        return true;
      });
    }
    await shim.listen(port);
    const docs = await eventually(() => c.find({}).catch(() => null), (v) => v !== null);
    assert.deepEqual(docs?.map((d) => (d._id as { valueOf(): unknown }).valueOf()), [1]);
    await c.insertOne({ _id: 3 });
    assert.equal(await c.countDocuments({}), 2);
  });
});

describe('docrest on the MongoDB engine: a lost server answers 503 and recovers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-reconnect-http-'));
  const shim = new WireShim(dir);
  let port: number;
  let srv: TestServer;
  before(async () => {
    port = await shim.listen();
    srv = await startServer({ rho: `/mclient/connection-string->"mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=400&heartbeatFrequencyMS=500"` });
  });
  after(async () => {
    await srv?.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the server runs on the MongoDB engine', async () => {
    assert.equal(srv.running.engine.kind, 'mongodb');
    // the default mount serves database restheart at /
    assert.equal((await call(srv, 'PUT', '/coll')).status, 201);
    assert.equal((await call(srv, 'POST', '/coll', { body: { _id: 'a', n: 1 } })).status, 201);
    const r = await call(srv, 'GET', '/coll/a');
    assert.equal(r.status, 200);
    assert.equal(r.json().n, 1);
  });
  test('while MongoDB is down: 503 with an error body', async () => {
    await shim.stop();
    const r = await call(srv, 'GET', '/coll/a');
    assert.equal(r.status, 503);
    const body = r.json();
    assert.equal(body['http status code'], 503);
    assert.equal(body['exception message'].codeName, 'HostUnreachable');
    assert.equal(typeof body.message, 'string');
  });
  test('when MongoDB is back: served again', async () => {
    await shim.listen(port);
    const r = await eventually(() => call(srv, 'GET', '/coll/a'), (x) => x.status === 200);
    assert.equal(r.status, 200);
    assert.equal(r.json().n, 1);
  });
});
