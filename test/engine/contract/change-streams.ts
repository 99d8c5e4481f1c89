// The change stream contract (Collection.watch, Database.watch): MongoDB's event shapes, commit
// order, pipelines, resume tokens, transactions and drops. A server without change streams (a
// standalone MongoDB, the wire shim) refuses the first watch: the section then skips.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ChangeStream, Engine } from '../../../src/engine/types.ts';
import { numberOf, type Document } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { CONTRACT_DB_PREFIX, type EngineUnderTest } from './contract.ts';

/** A stream's events in a queue, with a wait for the next; `opened` settles on init or error. */
function listen(s: ChangeStream) {
  const queue: Document[] = [];
  const waiters: Array<(d: Document) => void> = [];
  s.on('change', (d) => (waiters.length ? waiters.shift()!(d) : queue.push(d)));
  const closed = new Promise<void>((r) => s.on('close', r));
  const opened = new Promise<void>((resolve, reject) => {
    s.on('init', resolve);
    s.on('error', reject);
  });
  return {
    opened,
    closed,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<Document>((r) => waiters.push(r))),
    get queued() {
      return queue.length;
    },
  };
}

const summary = (e: Document) => [e.operationType, e.documentKey ? numberOf((e.documentKey as Document)._id) : undefined];

export function changeStreamsContract(name: string, make: () => Promise<EngineUnderTest>): void {
  describe(`engine contract: ${name}: change streams`, () => {
    let under: EngineUnderTest | undefined;
    let engine: Engine;
    let unsupported: string | undefined;
    const db = `${CONTRACT_DB_PREFIX}${randomBytes(4).toString('hex')}_cs`;
    let seq = 0;
    const collName = () => `w${++seq}`;

    before(async () => {
      under = await make();
      engine = under.engine;
      const probe = engine.db(db).collection('probe').watch();
      try {
        await listen(probe).opened;
      } catch (e) {
        unsupported = `the server has no change streams: ${(e as Error).message}`;
      }
      await probe.close();
    });
    after(async () => {
      if (!under) return;
      await engine.db(db).dropDatabase().catch(() => undefined);
      await under.cleanup();
    });

    const cases: Array<[string, () => Promise<void>]> = [
      ['every write, in commit order, shaped as MongoDB shapes it', async () => {
        const c = engine.db(db).collection(collName());
        const s = c.watch([], { fullDocument: 'updateLookup' });
        const l = listen(s);
        await l.opened;
        await c.insertOne({ _id: 1, a: 1, sub: { x: 1, y: 1 } });
        await c.updateOne({ _id: 1 }, { $set: { 'sub.x': 2 }, $unset: { a: '' } });
        await c.replaceOne({ _id: 1 }, { b: 1 });
        await c.updateOne({ _id: 2 }, { $set: { u: 1 } }, { upsert: true });
        await c.bulkWrite([{ insertOne: { document: { _id: 3 } } }, { insertOne: { document: { _id: 1 } } }, { deleteOne: { filter: { _id: 3 } } }]);
        await c.deleteMany({});
        const got: Document[] = [];
        for (let i = 0; i < 8; i++) got.push(await l.next());
        assert.deepEqual(got.map(summary), [
          ['insert', 1], ['update', 1], ['replace', 1], ['insert', 2], ['insert', 3], ['delete', 3], ['delete', 1], ['delete', 2],
        ]);
        const update = got[1]!;
        assert.deepEqual(update.updateDescription && {
          updatedFields: Object.keys((update.updateDescription as Document).updatedFields as Document),
          removedFields: (update.updateDescription as Document).removedFields,
        }, { updatedFields: ['sub.x'], removedFields: ['a'] });
        assert.equal(numberOf(((update.fullDocument as Document).sub as Document).x), 2);
        assert.deepEqual(got[0]!.ns, { db, coll: c.name });
        assert.equal(got[5]!.fullDocument, undefined);
        // every event's _id is its resume token, and the stream's token follows
        assert.ok(got.every((e) => typeof (e._id as Document)._data === 'string'));
        assert.deepEqual(s.resumeToken, got[7]!._id);
        await s.close();
      }],
      ['without updateLookup an update carries no fullDocument', async () => {
        const c = engine.db(db).collection(collName());
        const l = listen(c.watch());
        await l.opened;
        await c.insertOne({ _id: 1 });
        await c.updateOne({ _id: 1 }, { $set: { a: 1 } });
        await l.next();
        assert.equal((await l.next()).fullDocument, undefined);
      }],
      ['the pipeline filters and reshapes events', async () => {
        const c = engine.db(db).collection(collName());
        const l = listen(c.watch([{ $match: { 'fullDocument.keep': true } }, { $project: { operationType: 1, 'fullDocument._id': 1 } }]));
        await l.opened;
        await c.insertOne({ _id: 1, keep: false });
        await c.insertOne({ _id: 2, keep: true });
        const e = await l.next();
        assert.equal(e.operationType, 'insert');
        assert.equal(numberOf((e.fullDocument as Document)._id), 2);
        assert.equal(e.ns, undefined);
      }],
      ['a stage not allowed in a change stream fails it', async () => {
        const c = engine.db(db).collection(collName());
        await assert.rejects(listen(c.watch([{ $group: { _id: null } }])).opened, EngineError);
      }],
      ['resumeAfter starts right after that event', async () => {
        const c = engine.db(db).collection(collName());
        const first = listen(c.watch());
        await first.opened;
        await c.insertOne({ _id: 1 });
        await c.insertOne({ _id: 2 });
        await c.insertOne({ _id: 3 });
        const token = (await first.next())._id as Document;
        const l = listen(c.watch([], { resumeAfter: token }));
        await l.opened;
        assert.deepEqual(summary(await l.next()), ['insert', 2]);
        assert.deepEqual(summary(await l.next()), ['insert', 3]);
      }],
      ['a transaction: events once it commits, none when it aborts', async () => {
        if (!(await engine.supportsTransactions())) return;
        const c = engine.db(db).collection(collName());
        await c.insertOne({ _id: 0 });
        const l = listen(c.watch());
        await l.opened;
        const s = engine.startSession();
        const n1 = (await s.startTransaction())!;
        await c.insertOne({ _id: 1 }, { session: engine.session(s.id, n1) });
        await s.abortTransaction(n1);
        const n2 = (await s.startTransaction())!;
        await c.insertOne({ _id: 2 }, { session: engine.session(s.id, n2) });
        await c.deleteOne({ _id: 0 }, { session: engine.session(s.id, n2) });
        assert.equal(l.queued, 0, 'nothing before the commit');
        await s.commitTransaction(n2);
        await c.insertOne({ _id: 3 });
        const got = [await l.next(), await l.next(), await l.next()].map(summary);
        assert.deepEqual(got.slice(2), [['insert', 3]]);
        assert.deepEqual(got.slice(0, 2).sort(), [['delete', 0], ['insert', 2]]);
      }],
      ['dropping the collection: drop, invalidate, then the stream closes', async () => {
        const name = collName();
        const c = engine.db(db).collection(name);
        await c.insertOne({ _id: 1 });
        const l = listen(c.watch());
        await l.opened;
        await engine.db(db).dropCollection(name);
        assert.equal((await l.next()).operationType, 'drop');
        assert.equal((await l.next()).operationType, 'invalidate');
        await l.closed;
      }],
      ['a database stream sees every collection, and ends with dropDatabase', async () => {
        const other = `${db}_x`;
        const l = listen(engine.db(other).watch());
        await l.opened;
        await engine.db(other).collection('a').insertOne({ _id: 1 });
        await engine.db(other).collection('b').insertOne({ _id: 2 });
        const [a, b] = [await l.next(), await l.next()];
        assert.deepEqual([a.ns, b.ns], [{ db: other, coll: 'a' }, { db: other, coll: 'b' }]);
        await engine.db(other).dropDatabase();
        const rest: string[] = [];
        for (let e = await l.next(); ; e = await l.next()) {
          rest.push(e.operationType as string);
          if (e.operationType === 'invalidate') break;
        }
        assert.deepEqual(rest.slice(-2), ['dropDatabase', 'invalidate']);
        await l.closed;
      }],
    ];

    for (const [title, run] of cases) {
      test(title, async (t) => {
        if (unsupported) return t.skip(unsupported);
        await run();
      });
    }
  });
}
