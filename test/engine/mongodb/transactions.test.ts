// The MongoDB engine's sessions against a replica set (the wire shim as its one primary, over the
// embedded engine): what the engine must keep in step with the server beyond the contract
// (../contract/transactions.ts) — a session's next transaction after the server ended the last
// one (a failed operation, the lifetime limit), and the server's state as the session reports it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import { EngineError } from '../../../src/errors.ts';
import { WireShim } from '../wire/shim.ts';

const NO_SUCH_TRANSACTION = 251;
const WRITE_CONFLICT = 112;

describe('MongoDB engine: transactions the server ended', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-mongo-txn-'));
  const shim = new WireShim(dir, { replicaSet: 'rs0' });
  let engine: MongoEngine;
  let seq = 0;
  const coll = () => engine.db('txn').collection(`c${++seq}`);
  before(async () => {
    const port = await shim.listen();
    engine = await MongoEngine.connect(`mongodb://127.0.0.1:${port}/?replicaSet=rs0`);
  });
  after(async () => {
    await engine?.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('after a failed operation aborted it, the session starts and commits its next transaction', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, n: 0 });
    const a = engine.startSession();
    const b = engine.startSession();
    const na = (await a.startTransaction())!;
    const nb = (await b.startTransaction())!;
    await c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: engine.session(a.id, na) });
    await assert.rejects(c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: engine.session(b.id, nb) }), { code: WRITE_CONFLICT });
    await a.commitTransaction(na);
    assert.deepEqual(await b.currentTransaction(), { txnNumber: nb, status: 'ABORTED' });
    const next = await b.startTransaction();
    assert.equal(next, nb + 1);
    await c.updateOne({ _id: 1 }, { $inc: { n: 10 } }, { session: engine.session(b.id, next!) });
    await b.commitTransaction(next!);
    assert.equal(Number((await c.findOne({ _id: 1 }))?.n), 11);
  });

  test('after a duplicate key aborted it, the session starts its next transaction', async () => {
    const c = coll();
    await c.insertOne({ _id: 1 });
    const s = engine.startSession();
    const n = (await s.startTransaction())!;
    await assert.rejects(c.insertOne({ _id: 1 }, { session: engine.session(s.id, n) }), { code: 11000 });
    const next = (await s.startTransaction())!;
    await c.insertOne({ _id: 2 }, { session: engine.session(s.id, next) });
    await s.commitTransaction(next);
    assert.deepEqual((await c.find({})).map((d) => Number(d._id)).sort(), [1, 2]);
  });

  test('a transaction the server aborted at its lifetime limit is reported ABORTED, and the next one starts', async () => {
    const was = shim.engine.transactions.lifetimeMs;
    shim.engine.transactions.lifetimeMs = 200;
    try {
      const c = coll();
      const s = engine.startSession();
      const n = (await s.startTransaction())!;
      await c.insertOne({ _id: 1 }, { session: engine.session(s.id, n) });
      // waits for the server's abort (the embedded engine's sweep), bounded so that a missed one fails
      const deadline = Date.now() + 10_000;
      while ((await s.currentTransaction())?.status === 'IN') {
        assert.ok(Date.now() < deadline, 'still in progress 10 s after its 200 ms lifetime');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'ABORTED' });
      await assert.rejects(c.insertOne({ _id: 2 }, { session: engine.session(s.id, n) }), (e: unknown) => e instanceof EngineError && e.code === NO_SUCH_TRANSACTION);
      shim.engine.transactions.lifetimeMs = was;
      const next = (await s.startTransaction())!;
      assert.equal(next, n + 1);
      await c.insertOne({ _id: 3 }, { session: engine.session(s.id, next) });
      await s.commitTransaction(next);
      assert.deepEqual((await c.find({})).map((d) => Number(d._id)), [3]);
    } finally {
      shim.engine.transactions.lifetimeMs = was;
    }
  });

  test('a transaction with no operation yet is in progress, whatever its age', async () => {
    const s = engine.startSession();
    const n = (await s.startTransaction())!;
    assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'IN' });
    await s.abortTransaction(n);
    assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'ABORTED' });
  });
});
