// The engine contract, transactions section: sessions and multi-request transactions as the HTTP
// API uses them (API.md §11), on every engine that supports them. An engine reporting no
// transaction support (a standalone MongoDB, the wire shim) skips the section.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Collection, Engine, Session } from '../../../src/engine/types.ts';
import { EngineError } from '../../../src/errors.ts';
import { CONTRACT_DB_PREFIX, type EngineUnderTest } from './contract.ts';

const NO_SUCH_TRANSACTION = 251;
const WRITE_CONFLICT = 112;

export interface TransactionsUnderTest extends EngineUnderTest {
  /** Sets the transaction lifetime limit; resolves to a function that restores it. Absent: the timeout case is skipped. */
  lifetime?: (ms: number) => Promise<() => Promise<void>>;
}

async function fails(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EngineError, `expected an EngineError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

const num = (v: unknown) => Number(v);
const ids = (docs: Array<{ _id?: unknown }>) => docs.map((d) => Number(d._id)).sort((a, b) => a - b);

export function transactionsContract(name: string, make: () => Promise<TransactionsUnderTest>): void {
  describe(`engine contract: ${name}: transactions`, () => {
    let under: TransactionsUnderTest | undefined;
    let engine: Engine;
    let supported = false;
    const db = `${CONTRACT_DB_PREFIX}${randomBytes(4).toString('hex')}_txn`;
    let seq = 0;
    const coll = (): Collection => engine.db(db).collection(`t${++seq}`);

    before(async () => {
      under = await make();
      engine = under.engine;
      supported = await engine.supportsTransactions();
    });
    after(async () => {
      if (!under) return;
      await engine.db(db).dropDatabase().catch(() => undefined);
      await under.cleanup();
    });

    /** A session in a fresh transaction, and the handle that acts in it. */
    async function begin(): Promise<{ s: Session; t: Session; n: number }> {
      const s = engine.startSession();
      const n = await s.startTransaction();
      assert.equal(typeof n, 'number');
      return { s, t: engine.session(s.id, n!), n: n! };
    }

    const cases: Array<[string, () => Promise<void>]> = [
      ['a transaction sees its own writes; nobody else does until the commit', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, a: 1 });
        const { s, t, n } = await begin();
        await c.insertOne({ _id: 2, a: 2 }, { session: t });
        await c.updateOne({ _id: 1 }, { $set: { a: 10 } }, { session: t });
        assert.deepEqual(ids(await c.find({}, { session: t })), [1, 2]);
        assert.equal(num((await c.findOne({ _id: 1 }, { session: t }))?.a), 10);
        assert.equal(await c.countDocuments({ a: { $gte: 2 } }, { session: t }), 2);
        assert.deepEqual(ids(await c.find({})), [1]);
        assert.equal(num((await c.findOne({ _id: 1 }))?.a), 1);
        await s.commitTransaction(n);
        assert.deepEqual(ids(await c.find({})), [1, 2]);
        assert.equal(num((await c.findOne({ _id: 1 }))?.a), 10);
        assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'COMMITTED' });
      }],
      ['deletes, replacements and bulk writes in a transaction apply at the commit', async () => {
        const c = coll();
        await c.insertOne({ _id: 1 });
        await c.insertOne({ _id: 2 });
        const { s, t, n } = await begin();
        assert.equal((await c.deleteOne({ _id: 1 }, { session: t })).deletedCount, 1);
        await c.replaceOne({ _id: 2 }, { b: 'x' }, { session: t });
        const r = await c.bulkWrite([{ insertOne: { document: { _id: 3 } } }, { insertOne: { document: { _id: 4 } } }], { session: t });
        assert.equal(r.insertedCount, 2);
        assert.deepEqual(ids(await c.find({}, { session: t })), [2, 3, 4]);
        assert.deepEqual(ids(await c.find({})), [1, 2]);
        await s.commitTransaction(n);
        assert.deepEqual(ids(await c.find({})), [2, 3, 4]);
        assert.equal((await c.findOne({ _id: 2 }))?.b, 'x');
      }],
      ['an aborted transaction leaves nothing, and no operation can use it any more', async () => {
        const c = coll();
        const { s, t, n } = await begin();
        await c.insertOne({ _id: 1 }, { session: t });
        await s.abortTransaction(n);
        assert.deepEqual(await c.find({}), []);
        assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'ABORTED' });
        await fails(c.insertOne({ _id: 2 }, { session: t }), NO_SUCH_TRANSACTION);
        await fails(c.find({}, { session: t }), NO_SUCH_TRANSACTION);
        await fails(s.commitTransaction(n), NO_SUCH_TRANSACTION);
        await fails(s.abortTransaction(n), NO_SUCH_TRANSACTION);
        assert.deepEqual(await c.find({}), []);
      }],
      ['transaction numbers: one in progress at a time, counted per session; a wrong number is refused', async () => {
        const c = coll();
        const s = engine.startSession();
        assert.equal(await s.currentTransaction(), null);
        assert.equal(await s.startTransaction(), 1);
        assert.equal(await s.startTransaction(), null);
        await fails(c.insertOne({ _id: 1 }, { session: engine.session(s.id, 2) }), NO_SUCH_TRANSACTION);
        await fails(s.commitTransaction(2), NO_SUCH_TRANSACTION);
        await s.commitTransaction(1);
        await fails(c.insertOne({ _id: 1 }, { session: engine.session(s.id, 1) }), NO_SUCH_TRANSACTION);
        assert.equal(await s.startTransaction(), 2);
        assert.deepEqual(await s.currentTransaction(), { txnNumber: 2, status: 'IN' });
        await s.endSession();
      }],
      ['two transactions writing one document: the second gets a write conflict and is aborted', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, n: 0 });
        const a = await begin();
        const b = await begin();
        await c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: a.t });
        await fails(c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: b.t }), WRITE_CONFLICT);
        assert.deepEqual(await b.s.currentTransaction(), { txnNumber: b.n, status: 'ABORTED' });
        await a.s.commitTransaction(a.n);
        assert.equal(num((await c.findOne({ _id: 1 }))?.n), 1);
      }],
      ['two transactions inserting one _id: the second gets a write conflict', async () => {
        const c = coll();
        const a = await begin();
        const b = await begin();
        await c.insertOne({ _id: 7, by: 'a' }, { session: a.t });
        await fails(c.insertOne({ _id: 7, by: 'b' }, { session: b.t }), WRITE_CONFLICT);
        await a.s.commitTransaction(a.n);
        assert.equal((await c.findOne({ _id: 7 }))?.by, 'a');
      }],
      ['a document written outside after the transaction read it: the transaction\'s write conflicts', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, n: 0 });
        const { s, t, n } = await begin();
        assert.equal(num((await c.findOne({ _id: 1 }, { session: t }))?.n), 0);
        await c.updateOne({ _id: 1 }, { $set: { n: 5 } });
        await fails(c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: t }), WRITE_CONFLICT);
        assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'ABORTED' });
        assert.equal(num((await c.findOne({ _id: 1 }))?.n), 5);
      }],
      ['reads see a snapshot as of the first operation: later plain writes, inserts and deletes are not seen', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, v: 1 });
        await c.insertOne({ _id: 2, v: 2 });
        await c.insertOne({ _id: 3, v: 3 });
        const { s, t, n } = await begin();
        // written after startTransaction but before the first operation: inside the snapshot
        await c.updateOne({ _id: 3 }, { $set: { v: 30 } });
        assert.deepEqual(ids(await c.find({}, { session: t })), [1, 2, 3]);
        await c.updateOne({ _id: 1 }, { $set: { v: 10 } });
        await c.deleteOne({ _id: 2 });
        await c.insertOne({ _id: 4, v: 4 });
        assert.deepEqual(ids(await c.find({}, { session: t })), [1, 2, 3]);
        assert.equal(num((await c.findOne({ _id: 1 }, { session: t }))?.v), 1);
        assert.equal(num((await c.findOne({ _id: 3 }, { session: t }))?.v), 30);
        assert.equal(await c.findOne({ _id: 4 }, { session: t }), null);
        assert.equal(await c.countDocuments({ v: { $gte: 2 } }, { session: t }), 2);
        assert.equal(await c.estimatedDocumentCount({ session: t }), 3);
        assert.deepEqual(ids(await c.find({ v: { $gte: 4 } }, { session: t })), [3]);
        // its own writes over the snapshot
        await c.insertOne({ _id: 5, v: 5 }, { session: t });
        assert.deepEqual(ids(await c.find({}, { session: t })), [1, 2, 3, 5]);
        assert.deepEqual((await c.find({}, { session: t, sort: [['v', -1]], limit: 2 })).map((d) => num(d._id)), [3, 5]);
        assert.deepEqual(ids(await c.find({})), [1, 3, 4]);
        await s.commitTransaction(n);
        assert.deepEqual(ids(await c.find({})), [1, 3, 4, 5]);
      }],
      ['sorted, paged, projected and counted reads over the snapshot and the transaction\'s own writes', async () => {
        const c = coll();
        for (let i = 1; i <= 10; i++) await c.insertOne({ _id: i, v: i });
        const { s, t, n } = await begin();
        assert.equal(await c.countDocuments({}, { session: t }), 10);
        await c.updateOne({ _id: 3 }, { $set: { v: 100 } });
        await c.deleteOne({ _id: 4 });
        await c.insertOne({ _id: 11, v: 11 });
        await c.updateOne({ _id: 5 }, { $set: { v: 50 } }, { session: t });
        await c.deleteOne({ _id: 6 }, { session: t });
        await c.insertOne({ _id: 12, v: 0 }, { session: t });
        // seen: 1,2,3,4 (as of the snapshot), 5 (v 50), 7..10, 12 (v 0)
        const vs = (docs: Array<{ v?: unknown }>) => docs.map((d) => num(d.v));
        assert.deepEqual(vs(await c.find({}, { session: t, sort: [['v', -1]], skip: 1, limit: 3 })), [10, 9, 8]);
        const projected = await c.find({}, { session: t, sort: [['v', 1]], limit: 2, projection: { _id: 0, v: 1 } });
        assert.deepEqual(projected.map((d) => Object.keys(d)), [['v'], ['v']]);
        assert.deepEqual(vs(projected), [0, 1]);
        assert.deepEqual((await c.find({ v: { $gte: 3 } }, { session: t, sort: [['_id', 1]] })).map((d) => num(d._id)), [3, 4, 5, 7, 8, 9, 10]);
        assert.deepEqual((await c.find({}, { session: t, limit: 4 })).map((d) => num(d._id)), [1, 2, 3, 4]);
        assert.deepEqual((await c.find({}, { session: t, skip: 8 })).map((d) => num(d._id)), [10, 12]);
        assert.equal(await c.countDocuments({ v: { $lt: 5 } }, { session: t }), 5);
        assert.equal(await c.estimatedDocumentCount({ session: t }), 10);
        assert.equal(num((await c.findOne({ v: 50 }, { session: t }))?._id), 5);
        await s.commitTransaction(n);
        assert.deepEqual((await c.find({}, { sort: [['_id', 1]] })).map((d) => [num(d._id), num(d.v)]),
          [[1, 1], [2, 2], [3, 100], [5, 50], [7, 7], [8, 8], [9, 9], [10, 10], [11, 11], [12, 0]]);
      }],
      ['another transaction\'s commit after the snapshot is not seen either', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, v: 1 });
        const a = await begin();
        assert.equal(await c.countDocuments({}, { session: a.t }), 1);
        const b = await begin();
        await c.updateOne({ _id: 1 }, { $set: { v: 2 } }, { session: b.t });
        await c.insertOne({ _id: 2 }, { session: b.t });
        await b.s.commitTransaction(b.n);
        assert.deepEqual(ids(await c.find({}, { session: a.t })), [1]);
        assert.equal(num((await c.findOne({ _id: 1 }, { session: a.t }))?.v), 1);
        await a.s.commitTransaction(a.n);
      }],
      ['an aggregation in a transaction reads its own writes over the snapshot, in $lookup too; $out is refused and aborts it', async () => {
        const c = coll();
        const f = coll();
        await c.insertOne({ _id: 1, v: 1, k: 'a' });
        await c.insertOne({ _id: 2, v: 2, k: 'b' });
        await f.insertOne({ _id: 'a', label: 'A' });
        const { s, t, n } = await begin();
        assert.deepEqual(ids(await c.find({}, { session: t })), [1, 2]);
        await c.insertOne({ _id: 3, v: 3, k: 'b' }, { session: t });
        await c.updateOne({ _id: 1 }, { $set: { v: 10 } }, { session: t });
        await f.insertOne({ _id: 'b', label: 'B' }, { session: t });
        // plain writes after the snapshot
        await c.insertOne({ _id: 4, v: 4, k: 'a' });
        await c.updateOne({ _id: 2 }, { $set: { v: 20 } });
        const pipeline = [
          { $match: { v: { $gte: 2 } } }, { $sort: { _id: 1 } },
          { $lookup: { from: f.name, localField: 'k', foreignField: '_id', as: 'f' } }, { $project: { v: 1, labels: '$f.label' } },
        ];
        const rows = (docs: Array<{ _id?: unknown; v?: unknown; labels?: unknown }>) => docs.map((d) => [num(d._id), num(d.v), d.labels]);
        assert.deepEqual(rows(await c.aggregate(pipeline, { session: t })), [[1, 10, ['A']], [2, 2, ['B']], [3, 3, ['B']]]);
        assert.deepEqual(ids(await c.aggregate([{ $match: { v: { $lt: 5 } } }], { session: t })), [2, 3]);
        assert.deepEqual((await c.aggregate([{ $group: { _id: null, total: { $sum: '$v' } } }], { session: t })).map((d) => num(d.total)), [15]);
        assert.deepEqual(rows(await c.aggregate(pipeline)), [[2, 20, []], [4, 4, ['A']]]);
        await s.commitTransaction(n);
        const other = await begin();
        await fails(c.aggregate([{ $match: {} }, { $out: `${f.name}_out` }], { session: other.t }), 263);
        await fails(c.find({}, { session: other.t }), NO_SUCH_TRANSACTION);
        assert.deepEqual(await engine.db(db).listCollections().then((l) => l.includes(`${f.name}_out`)), false);
      }],
      ['a write to a document changed, deleted or inserted by others since the snapshot conflicts', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, v: 1 });
        await c.insertOne({ _id: 2, v: 2 });
        const writes: Array<[string, () => Promise<unknown>, (t: Session) => Promise<unknown>]> = [
          ['changed', () => c.updateOne({ _id: 1 }, { $set: { v: 10 } }), (t) => c.updateOne({ _id: 1 }, { $inc: { v: 1 } }, { session: t })],
          ['deleted', () => c.deleteOne({ _id: 2 }), (t) => c.replaceOne({ _id: 2 }, { v: 0 }, { session: t })],
          ['inserted', () => c.insertOne({ _id: 3, by: 'plain' }), (t) => c.insertOne({ _id: 3, by: 'txn' }, { session: t })],
        ];
        for (const [what, plain, mine] of writes) {
          const { s, t, n } = await begin();
          assert.ok(Array.isArray(await c.find({ _id: 0 }, { session: t })), what);
          await plain();
          await fails(mine(t), WRITE_CONFLICT);
          assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'ABORTED' }, what);
        }
        assert.equal(num((await c.findOne({ _id: 1 }))?.v), 10);
        assert.equal((await c.findOne({ _id: 3 }))?.by, 'plain');
        assert.deepEqual(ids(await c.find({})), [1, 3]);
      }],
      ['a committed transaction reports each operation as its change event: insert, update with its fields, replace, delete', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, a: 1, b: { x: 1, y: 1 } });
        await c.insertOne({ _id: 2, a: 2 });
        await c.insertOne({ _id: 3 });
        const events: Array<Record<string, unknown>> = [];
        const stream = c.watch();
        const opened = new Promise<void>((resolve, reject) => stream.on('init', resolve).on('error', reject));
        let arrived: () => void = () => undefined;
        stream.on('change', (e) => {
          events.push(e);
          arrived();
        });
        await opened;
        try {
          const { s, t, n } = await begin();
          await c.updateOne({ _id: 1 }, { $set: { 'b.x': 2 }, $unset: { a: '' } }, { session: t });
          await c.replaceOne({ _id: 2 }, { r: true }, { session: t });
          await c.deleteOne({ _id: 3 }, { session: t });
          await c.insertOne({ _id: 4 }, { session: t });
          assert.equal(events.length, 0, 'nothing before the commit');
          await s.commitTransaction(n);
          while (events.length < 4) await new Promise<void>((r) => (arrived = r));
          const byId = new Map(events.map((e) => [num((e.documentKey as { _id: unknown })._id), e]));
          assert.deepEqual(events.map((e) => e.operationType).sort(), ['delete', 'insert', 'replace', 'update']);
          const upd = byId.get(1)!;
          assert.equal(upd.operationType, 'update');
          const desc = upd.updateDescription as { updatedFields: Record<string, unknown>; removedFields: string[] };
          assert.deepEqual(Object.keys(desc.updatedFields), ['b.x']);
          assert.equal(num(desc.updatedFields['b.x']), 2);
          assert.deepEqual(desc.removedFields, ['a']);
          assert.equal(byId.get(2)!.operationType, 'replace');
          assert.equal((byId.get(2)!.fullDocument as { r?: unknown }).r, true);
          assert.equal(byId.get(3)!.operationType, 'delete');
          assert.equal(byId.get(4)!.operationType, 'insert');
        } finally {
          await stream.close();
        }
      }],
      ['a failed operation aborts its transaction, as in MongoDB', async () => {
        const c = coll();
        await c.insertOne({ _id: 1 });
        const w = await begin();
        await c.insertOne({ _id: 2 }, { session: w.t });
        await fails(c.insertOne({ _id: 1 }, { session: w.t }), 11000);
        assert.deepEqual(await w.s.currentTransaction(), { txnNumber: w.n, status: 'ABORTED' });
        const r = await begin();
        await assert.rejects(c.find({ $bogus: 1 }, { session: r.t }), EngineError);
        assert.deepEqual(await r.s.currentTransaction(), { txnNumber: r.n, status: 'ABORTED' });
        assert.deepEqual(ids(await c.find({})), [1]);
      }],
      ['a session without a transaction number runs operations outside any transaction', async () => {
        const c = coll();
        const s = engine.startSession();
        await c.insertOne({ _id: 1 }, { session: s });
        assert.deepEqual(ids(await c.find({})), [1]);
      }],
      ['ending a session aborts its transaction in progress', async () => {
        const c = coll();
        const { s, t } = await begin();
        await c.insertOne({ _id: 1 }, { session: t });
        await s.endSession();
        assert.deepEqual(await c.find({}), []);
      }],
    ];

    for (const [title, body] of cases) {
      test(title, async (ctx) => {
        if (!supported) return ctx.skip('the engine reports no transaction support (standalone MongoDB or the wire shim)');
        await body();
      });
    }

    test('an abandoned transaction is aborted after the lifetime limit; its writes are gone', async (ctx) => {
      if (!supported) return ctx.skip('the engine reports no transaction support (standalone MongoDB or the wire shim)');
      if (!under?.lifetime) return ctx.skip('this runner cannot set the transaction lifetime limit');
      const restore = await under.lifetime(300);
      try {
        const c = coll();
        const { s, t, n } = await begin();
        await c.insertOne({ _id: 1 }, { session: t });
        // waits for the event (the abort), bounded so that a missing abort fails instead of hanging
        const deadline = Date.now() + 10_000;
        while ((await s.currentTransaction())?.status === 'IN') {
          assert.ok(Date.now() < deadline, 'the transaction was still in progress 10 s after its 300 ms lifetime');
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.deepEqual(await s.currentTransaction(), { txnNumber: n, status: 'ABORTED' });
        await fails(c.insertOne({ _id: 2 }, { session: t }), NO_SUCH_TRANSACTION);
        assert.deepEqual(await c.find({}), []);
        // its pending write no longer blocks others
        const other = await begin();
        await c.insertOne({ _id: 1 }, { session: other.t });
        await other.s.commitTransaction(other.n);
        assert.deepEqual(ids(await c.find({})), [1]);
      } finally {
        await restore();
      }
    });
  });
}
