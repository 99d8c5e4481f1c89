// The embedded engine serves documents and query results from caches tagged with each table's
// stamp. These tests try to make a cache lie: rolled-back writes, writes by another process sharing
// the file, deletes, and reads that happen while a write batch is open.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import { EngineError } from '../../../src/errors.ts';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('embedded caches: one process', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-caches-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an update that fails part-way is rolled back, and cached reads show the state before it', async () => {
    const c = engine.db('db').collection('rollback');
    for (const d of [{ _id: 1, u: 1, n: 0 }, { _id: 2, u: 2, n: 0 }]) await c.insertOne(d);
    await c.createIndex({ name: 'u', key: { u: 1 }, unique: true });
    assert.deepEqual(plain(await c.find({})), [{ _id: 1, u: 1, n: 0 }, { _id: 2, u: 2, n: 0 }]);
    assert.deepEqual(plain(await c.findOne({ _id: 1 })), { _id: 1, u: 1, n: 0 });
    // the first document is rewritten, the second collides on the unique index
    await assert.rejects(c.updateMany({}, { $set: { u: 7 }, $inc: { n: 1 } }), (e) => e instanceof EngineError);
    assert.deepEqual(plain(await c.findOne({ _id: 1 })), { _id: 1, u: 1, n: 0 });
    assert.deepEqual(plain(await c.find({})), [{ _id: 1, u: 1, n: 0 }, { _id: 2, u: 2, n: 0 }]);
    assert.deepEqual(plain(await c.find({ u: 7 })), []);
  });

  test('a failed operation inside a bulk write undoes only itself; reads see the others', async () => {
    const c = engine.db('db').collection('bulk');
    await c.insertOne({ _id: 'a', v: 1 });
    assert.equal(plain(await c.findOne({ _id: 'a' }))?.v, 1);
    const r = await c.bulkWrite([
      { updateOne: { filter: { _id: 'a' }, update: { $set: { v: 2 } } } },
      { insertOne: { document: { _id: 'a' } } },
      { updateOne: { filter: { _id: 'a' }, update: { $inc: { v: 10 } } } },
    ]);
    assert.equal(r.writeErrors.length, 1);
    assert.equal(plain(await c.findOne({ _id: 'a' }))?.v, 12);
    assert.deepEqual(plain(await c.find({ v: 12 })), [{ _id: 'a', v: 12 }]);
  });

  test('writes queued together: each read after them sees every one, deletes included', async () => {
    const c = engine.db('db').collection('batch');
    for (const d of [{ _id: 1, v: 0 }, { _id: 2, v: 0 }]) await c.insertOne(d);
    assert.equal(plain(await c.findOne({ _id: 1 }))?.v, 0);
    await Promise.all([
      c.updateOne({ _id: 1 }, { $set: { v: 1 } }),
      c.deleteOne({ _id: 2 }),
      c.insertOne({ _id: 3, v: 3 }),
    ]);
    assert.equal(plain(await c.findOne({ _id: 1 }))?.v, 1);
    assert.equal(await c.findOne({ _id: 2 }), null);
    assert.deepEqual(plain(await c.find({})), [{ _id: 1, v: 1 }, { _id: 3, v: 3 }]);
  });
});

describe('embedded caches: two processes sharing the file', () => {
  let dir: string;
  let a: EmbeddedEngine;
  let b: EmbeddedEngine;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-caches-shared-'));
    a = new EmbeddedEngine(dir, { exclusive: false });
    b = new EmbeddedEngine(dir, { exclusive: false });
  });
  after(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a document cached by one is read fresh after the other's update, replace and delete", async () => {
    const ca = a.db('db').collection('shared');
    const cb = b.db('db').collection('shared');
    await ca.insertOne({ _id: 'x', v: 1 });
    assert.equal(plain(await cb.findOne({ _id: 'x' }))?.v, 1);
    assert.equal(plain(await ca.findOne({ _id: 'x' }))?.v, 1);
    await cb.updateOne({ _id: 'x' }, { $set: { v: 2 } });
    assert.equal(plain(await ca.findOne({ _id: 'x' }))?.v, 2);
    assert.deepEqual(plain(await ca.find({ v: 2 })), [{ _id: 'x', v: 2 }]);
    await ca.replaceOne({ _id: 'x' }, { v: 3 });
    assert.equal(plain(await cb.findOne({ _id: 'x' }))?.v, 3);
    await cb.deleteOne({ _id: 'x' });
    assert.equal(await ca.findOne({ _id: 'x' }), null);
    assert.deepEqual(plain(await ca.find({})), []);
  });

  test("a rolled-back write of one is never seen by the other, and the next write is", async () => {
    const ca = a.db('db').collection('shared2');
    const cb = b.db('db').collection('shared2');
    for (const d of [{ _id: 1, u: 1 }, { _id: 2, u: 2 }]) await ca.insertOne(d);
    await ca.createIndex({ name: 'u', key: { u: 1 }, unique: true });
    assert.deepEqual(plain(await cb.find({})), [{ _id: 1, u: 1 }, { _id: 2, u: 2 }]);
    await assert.rejects(ca.updateMany({}, { $set: { u: 5 } }));
    assert.deepEqual(plain(await cb.find({})), [{ _id: 1, u: 1 }, { _id: 2, u: 2 }]);
    await ca.updateOne({ _id: 1 }, { $set: { u: 5 } });
    assert.deepEqual(plain(await cb.find({})), [{ _id: 1, u: 5 }, { _id: 2, u: 2 }]);
    assert.equal(plain(await cb.findOne({ _id: 1 }))?.u, 5);
  });

  test("columns of one follow the other's inserts, updates, deletes and out-of-order _ids (row log)", async () => {
    const ca = a.db('db').collection('shared3');
    const cb = b.db('db').collection('shared3');
    for (const d of [{ _id: 2, v: 1 }, { _id: 4, v: 1 }, { _id: 6, v: 2 }]) await ca.insertOne(d);
    assert.deepEqual(plain(await ca.find({ v: 1 })), [{ _id: 2, v: 1 }, { _id: 4, v: 1 }]);
    await cb.updateOne({ _id: 6 }, { $set: { v: 1 } });
    await cb.deleteOne({ _id: 2 });
    await cb.insertOne({ _id: 1, v: 1 });
    assert.deepEqual(plain(await ca.find({ v: 1 })), [{ _id: 1, v: 1 }, { _id: 4, v: 1 }, { _id: 6, v: 1 }]);
    assert.deepEqual(plain(await ca.find({ v: 1 }, { limit: 2 })), [{ _id: 1, v: 1 }, { _id: 4, v: 1 }]);
    assert.equal(await ca.countDocuments({ v: { $gte: 1 } }), 3);
  });
});
