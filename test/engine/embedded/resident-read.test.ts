// Lookups of index keys answered from memory (resident-read.ts): the postings and the documents
// held follow every commit, so these tests write between reads and compare each answer with the
// documents as they are. Each lookup here is checked to have been answered from memory (the
// engine's docrest_engine_memory_lookups_total), else it would test SQLite's path instead.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Collection } from '../../../src/engine/types.ts';
import { Double, Int32, Long, type Document } from '../../../src/engine/values.ts';
import { renderItem } from '../../../src/json/render.ts';
import { docrestMetricsJson } from '../../../src/metrics/docrest-registry.ts';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
/** Documents as the API renders them (findAsStored gives BSON bytes with their rendering). */
const rendered = (docs: unknown[]) => docs.map((d) => JSON.parse(renderItem(d)));
const insert = (c: Collection, docs: Document[]) => c.bulkWrite(docs.map((document) => ({ insertOne: { document } })));
const ids = (docs: unknown[]) => docs.map((d) => Number((d as { _id: unknown })._id));

const engines: EmbeddedEngine[] = [];

async function memoryLookups(): Promise<number> {
  const m = (await docrestMetricsJson()).find((x) => x.name === 'docrest_engine_memory_lookups_total');
  return Number(m?.values[0]?.value ?? 0);
}

/**
 * Runs the read until the postings it needs are built, so that it is answered from memory; the
 * result cache is emptied first, or a repeated read would be answered from it.
 */
async function fromMemory<T>(read: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    for (const e of engines) e.results.clear();
    const before = await memoryLookups();
    const got = await read();
    if ((await memoryLookups()) > before) return got;
    await sleep(10);
  }
  throw new Error('the lookup was never answered from memory');
}

describe('index lookups from memory, one process', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let c: Collection;
  const docs = Array.from({ length: 300 }, (_, i) => ({ _id: i, k: i % 7, n: i, s: `s${i % 5}` }));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-resident-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
    engines.push(engine);
    c = engine.db('db').collection('c');
    await insert(c, docs);
    await c.createIndex({ name: 'k', key: { k: 1 } });
    await c.createIndex({ name: 's', key: { s: -1 } });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('equality, $in, a further condition, sort, skip, limit and count answer as the documents say', async () => {
    const want = (f: (d: (typeof docs)[number]) => boolean) => docs.filter(f).map((d) => d._id);
    assert.deepEqual(ids(await fromMemory(() => c.find({ k: 3 }))), want((d) => d.k === 3));
    assert.deepEqual(ids(await fromMemory(() => c.find({ k: { $in: [1, 5, 1] } }))), want((d) => d.k === 1 || d.k === 5));
    assert.deepEqual(ids(await fromMemory(() => c.find({ k: 3, n: { $gt: 150 } }))), want((d) => d.k === 3 && d.n > 150));
    assert.deepEqual(ids(await fromMemory(() => c.find({ k: 3 }, { sort: [['_id', -1]], skip: 2, limit: 4 }))), want((d) => d.k === 3).reverse().slice(2, 6));
    assert.deepEqual(ids(await fromMemory(() => c.find({ k: 3 }, { sort: [['n', -1]], limit: 2 }))), want((d) => d.k === 3).reverse().slice(0, 2));
    assert.equal(await fromMemory(() => c.countDocuments({ k: 4 })), want((d) => d.k === 4).length);
    assert.deepEqual(ids(await fromMemory(() => c.find({ s: 's2' }))), want((d) => d.s === 's2'), 'a descending index');
    assert.deepEqual(rendered(await fromMemory(() => c.findAsStored({ k: 6 }, { limit: 1 }))), [{ _id: 6, k: 6, n: 6, s: 's1' }]);
  });

  test('numbers equal as MongoDB compares them are one key: Int32, Long and Double', async () => {
    const m = engine.db('db').collection('numbers');
    await insert(m, [{ _id: 1, k: new Int32(2) }, { _id: 2, k: Long.fromNumber(2) }, { _id: 3, k: new Double(2) }, { _id: 4, k: 2.5 }]);
    await m.createIndex({ name: 'k', key: { k: 1 } });
    assert.deepEqual(ids(await fromMemory(() => m.find({ k: 2 }))), [1, 2, 3]);
    assert.deepEqual(ids(await fromMemory(() => m.find({ k: new Double(2.5) }))), [4]);
  });

  test('writes between lookups: a row moved to another key, deleted, inserted, and a rolled-back update', async () => {
    const w = engine.db('db').collection('writes');
    await insert(w, [{ _id: 1, k: 1, u: 1 }, { _id: 2, k: 1, u: 2 }, { _id: 3, k: 2, u: 3 }]);
    await w.createIndex({ name: 'k', key: { k: 1 } });
    await w.createIndex({ name: 'u', key: { u: 1 }, unique: true });
    assert.deepEqual(ids(await fromMemory(() => w.find({ k: 1 }))), [1, 2]);
    await w.updateOne({ _id: 1 }, { $set: { k: 2 } });
    assert.deepEqual(ids(await fromMemory(() => w.find({ k: 1 }))), [2]);
    assert.deepEqual(ids(await fromMemory(() => w.find({ k: 2 }))), [1, 3]);
    await w.deleteOne({ _id: 3 });
    await w.insertOne({ _id: 0, k: 2, u: 0 });
    assert.deepEqual(plain(await fromMemory(() => w.find({ k: 2 }))), [{ _id: 0, k: 2, u: 0 }, { _id: 1, k: 2, u: 1 }]);
    // the second document collides on u: the whole update is rolled back
    await assert.rejects(w.updateMany({ k: 2 }, { $set: { k: 9, u: 5 } }));
    assert.deepEqual(ids(await fromMemory(() => w.find({ k: 9 }))), []);
    assert.deepEqual(plain(await fromMemory(() => w.find({ k: 2 }))), [{ _id: 0, k: 2, u: 0 }, { _id: 1, k: 2, u: 1 }]);
    await w.replaceOne({ _id: 0 }, { k: 2, u: 0, note: 'replaced' });
    assert.deepEqual(rendered(await fromMemory(() => w.findAsStored({ k: 2 }, { limit: 1 }))), [{ _id: 0, k: 2, u: 0, note: 'replaced' }]);
  });

  test('an array field: a row comes once however many of its elements match', async () => {
    const a = engine.db('db').collection('arrays');
    await insert(a, [{ _id: 1, k: [1, 2, 2] }, { _id: 2, k: [3] }, { _id: 3, k: 2 }, { _id: 4, k: [] }]);
    await a.createIndex({ name: 'k', key: { k: 1 } });
    assert.deepEqual(ids(await fromMemory(() => a.find({ k: { $in: [1, 2] } }))), [1, 3]);
    await a.updateOne({ _id: 1 }, { $pull: { k: 2 } });
    assert.deepEqual(ids(await fromMemory(() => a.find({ k: 2 }))), [3]);
    assert.equal(await fromMemory(() => a.countDocuments({ k: { $in: [1, 2, 3] } })), 3);
  });

  test('a sparse index leaves out documents without the field; a dropped index is not asked', async () => {
    const s = engine.db('db').collection('sparse');
    await insert(s, [{ _id: 1, k: 1 }, { _id: 2 }, { _id: 3, k: 1 }]);
    await s.createIndex({ name: 'k', key: { k: 1 }, sparse: true });
    assert.deepEqual(ids(await fromMemory(() => s.find({ k: 1 }))), [1, 3]);
    await s.dropIndex('k');
    await s.updateOne({ _id: 2 }, { $set: { k: 1 } });
    const before = await memoryLookups();
    assert.deepEqual(ids(await s.find({ k: 1 })), [1, 2, 3]);
    assert.equal(await memoryLookups(), before);
  });

  test('a write of many rows at once: the lookups after it see every row', async () => {
    const b = engine.db('db').collection('bulk');
    await insert(b, [{ _id: -1, k: 0 }]);
    await b.createIndex({ name: 'k', key: { k: 1 } });
    assert.deepEqual(ids(await fromMemory(() => b.find({ k: 0 }))), [-1]);
    await insert(b, Array.from({ length: 1500 }, (_, i) => ({ _id: i, k: i % 3 })));
    assert.equal(await fromMemory(() => b.countDocuments({ k: 0 })), 501);
    assert.deepEqual(ids(await fromMemory(() => b.find({ k: 0 }, { limit: 3 }))), [-1, 0, 3]);
  });

  test('the idle-time trim drops what lookups hold; the next lookups build it again from the rows as they are', async () => {
    const t = engine.db('db').collection('trim');
    await insert(t, [{ _id: 1, k: 1 }, { _id: 2, k: 1 }]);
    await t.createIndex({ name: 'k', key: { k: 1 } });
    assert.deepEqual(ids(await fromMemory(() => t.find({ k: 1 }))), [1, 2]);
    engine.trimCaches();
    await t.updateOne({ _id: 2 }, { $set: { k: 2 } });
    assert.deepEqual(rendered(await fromMemory(() => t.findAsStored({ k: 2 }))), [{ _id: 2, k: 2 }]);
    assert.deepEqual(ids(await fromMemory(() => t.find({ k: 1 }))), [1]);
  });

  test('writes while the postings are being built (in slices) are in them once built', async () => {
    const big = engine.db('db').collection('big');
    const N = 30_000;
    await big.bulkWrite(Array.from({ length: N }, (_, i) => ({ insertOne: { document: { _id: i, k: i % 1000 } } })));
    await big.createIndex({ name: 'k', key: { k: 1 } });
    // The first lookup starts the build and is answered by SQLite. The build reads 1,024 entries a
    // slice and gives way after each millisecond: ~30 turns of the event loop, where the writes
    // below commit in the first one or two (their promises settle later, once on disk). Without
    // the build's log of them, the lookups below find the three rows as they were.
    const first = big.find({ k: 5 });
    await Promise.all([big.updateOne({ _id: 5 }, { $set: { k: 6 } }), big.deleteOne({ _id: 1005 }), big.insertOne({ _id: N, k: 5 })]);
    assert.equal((await first).length, 30);
    const got = ids(await fromMemory(() => big.find({ k: 5 })));
    assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => 5 + 1000 * i).filter((id) => id !== 5 && id !== 1005).concat(N));
    assert.ok(ids(await fromMemory(() => big.find({ k: 6 }))).includes(5));
  });
});

test('a result the result cache keeps holds copies, not views into the resident documents\' arena', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-resident-kept-'));
  const e = new EmbeddedEngine(dir, { exclusive: true });
  engines.push(e);
  try {
    const c = e.db('db').collection('kept');
    await insert(c, [{ _id: 1, k: 1, s: 'x'.repeat(100) }, { _id: 2, k: 1 }]);
    await c.createIndex({ name: 'k', key: { k: 1 } });
    const arena = (hits: unknown[]) => hits.map((h) => (h as { bytes: Buffer }).bytes.buffer.byteLength);
    const first = (await fromMemory(() => c.findAsStored({ k: 1 }))) as unknown as Array<{ bytes: Buffer }>;
    assert.deepEqual(arena(first), [32 << 20, 32 << 20], 'answered from the arena');
    // asked again: the result cache keeps it from its second request on, and answers the third
    await c.findAsStored({ k: 1 });
    const kept = await c.findAsStored({ k: 1 });
    assert.ok(arena(kept).every((n) => n < 32 << 20), 'kept as copies');
    assert.deepEqual(rendered(kept), [{ _id: 1, k: 1, s: 'x'.repeat(100) }, { _id: 2, k: 1 }]);
  } finally {
    await e.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('index lookups from memory, two processes sharing the data', () => {
  let dir: string;
  let a: EmbeddedEngine;
  let b: EmbeddedEngine;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-resident-shared-'));
    a = new EmbeddedEngine(dir, { exclusive: false, rowLogEntries: 8 });
    b = new EmbeddedEngine(dir, { exclusive: false, rowLogEntries: 8 });
    engines.push(a, b);
  });
  after(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the other process's writes are seen, including more than the row log keeps", async () => {
    const ca = a.db('db').collection('shared');
    const cb = b.db('db').collection('shared');
    await insert(cb, Array.from({ length: 50 }, (_, i) => ({ _id: i, k: i % 5 })));
    await cb.createIndex({ name: 'k', key: { k: 1 } });
    assert.deepEqual(ids(await fromMemory(() => ca.find({ k: 1 }))), [1, 6, 11, 16, 21, 26, 31, 36, 41, 46]);
    await cb.updateOne({ _id: 1 }, { $set: { k: 2 } });
    await cb.insertOne({ _id: 100, k: 1 });
    assert.deepEqual(ids(await fromMemory(() => ca.find({ k: 1 }))), [6, 11, 16, 21, 26, 31, 36, 41, 46, 100]);
    // more rows than the row log keeps: the other process cannot tell which rows changed
    await cb.updateMany({ k: 1 }, { $set: { k: 7 } });
    await cb.deleteMany({ k: 3 });
    assert.deepEqual(ids(await fromMemory(() => ca.find({ k: 1 }))), []);
    assert.deepEqual(ids(await fromMemory(() => ca.find({ k: 7 }))), [6, 11, 16, 21, 26, 31, 36, 41, 46, 100]);
    assert.equal(await fromMemory(() => ca.countDocuments({ k: 3 })), 0);
  });
});
