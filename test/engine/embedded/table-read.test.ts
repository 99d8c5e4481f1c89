// A collection whose columns do not fit the columns' budget is read from its documents
// (table-read.ts): in slices that let other requests through, stopped by its time limit, with the
// answers of a read that sees the collection as of its end when writes land while it gives way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import { EngineError } from '../../../src/errors.ts';
import type { Collection } from '../../../src/engine/types.ts';

const N = 20_000;
const ids = (docs: Array<Record<string, unknown>>) => docs.map((d) => Number(d._id));

describe('reads of a collection over the columns budget', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let c: Collection;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-table-read-'));
    // no column fits: every filter reads the documents
    engine = new EmbeddedEngine(dir, { exclusive: true, columnBytes: 1 });
    c = engine.db('db').collection('big');
    await c.bulkWrite(Array.from({ length: N }, (_, i) => ({ insertOne: { document: { _id: i, n: i % 100, s: `s${i}` } } })));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('answers as MongoDB does: _id order both ways, skip and limit, a sort, a count', async () => {
    assert.deepEqual(ids(await c.find({ n: 7 }, { limit: 3 })), [7, 107, 207]);
    assert.deepEqual(ids(await c.find({ n: 7 }, { sort: [['_id', -1]], skip: 2, limit: 3 })), [19707, 19607, 19507]);
    assert.deepEqual(ids(await c.find({ n: { $gte: 98 } }, { sort: [['n', -1], ['_id', 1]], limit: 3 })), [99, 199, 299]);
    assert.equal(await c.countDocuments({ n: { $lt: 10 } }), N / 10);
    assert.equal((await c.find({ s: 's12345' })).length, 1);
  });

  test('stops with MaxTimeMSExpired past its time limit', async () => {
    await assert.rejects(c.find({ s: 'none' }, { maxTimeMS: 1 }), (e: unknown) => e instanceof EngineError && e.code === 50);
  });

  // the writes land while the read gives way (a read in one step answered the collection before them)
  test('writes while it gives way: the answer is the collection after them', async () => {
    const reading = c.find({ n: 3 }, { sort: [['_id', 1]] });
    await c.insertOne({ _id: -1, n: 3 });
    await c.deleteOne({ _id: N - 97 });
    await c.updateOne({ _id: 3 }, { $set: { n: 4 } });
    const got = ids(await reading);
    const expected = [-1, ...Array.from({ length: N / 100 }, (_, i) => i * 100 + 3).filter((i) => i !== 3 && i !== N - 97)];
    assert.deepEqual(got, expected);
  });
});
