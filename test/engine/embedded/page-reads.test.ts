// The documents of a page are read giving way (column-scan.ts page() for a filter, scan.ts
// pageInSlices() for the collection in _id order): a page of large documents must not hold the
// event loop, and rows written while it is read make it read again, never answer a mix.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Collection } from '../../../src/engine/types.ts';

const BIG = 'x'.repeat(40_000);

describe('pages of large documents', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let c: Collection;
  let plain: Collection;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-column-page-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
    c = engine.db('db').collection('pages');
    await c.bulkWrite(Array.from({ length: 300 }, (_, i) => ({ insertOne: { document: { _id: i, n: i % 3, s: BIG } } })));
    plain = engine.db('db').collection('plain');
    await plain.bulkWrite(Array.from({ length: 300 }, (_, i) => ({ insertOne: { document: { _id: i, s: BIG } } })));
    // the column of n is built: the query below matches at once and spends its time reading 4 MB of documents
    assert.equal((await c.find({ n: 1 }, { limit: 1 })).length, 1);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the read, lets it give way twice (it is reading its 4 MB of documents then), writes,
   * and checks the answer is the collection before the writes or after them: the ids, and the
   * text of the document `changed` updated.
   */
  async function whileReading(coll: Collection, filter: Record<string, unknown>, writes: () => Array<Promise<unknown>>,
    states: { before: number[]; after: number[]; changed: number }): Promise<void> {
    const page = coll.find(filter, { sort: [['_id', 1]], limit: 100 });
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    await Promise.all(writes());
    const got = await page;
    const ids = got.map((d) => Number(d._id));
    const after = ids[0] === states.after[0];
    assert.deepEqual(ids, after ? states.after : states.before);
    assert.equal(got.find((d) => Number(d._id) === states.changed)!.s, after ? 'changed' : BIG);
    assert.deepEqual((await coll.find(filter, { sort: [['_id', 1]], limit: 100 })).map((d) => Number(d._id)), states.after);
  }

  test('a filtered page: writes while its documents are read leave the collection before them or after them, never a mix', async () => {
    await whileReading(c, { n: 1 }, () => [
      c.updateOne({ _id: 4 }, { $set: { n: 2 } }),
      c.deleteOne({ _id: 298 }),
      c.updateOne({ _id: 7 }, { $set: { s: 'changed' } }),
      // inserted out of _id order: rowid order is no longer _id order
      c.insertOne({ _id: -2, n: 1, s: 'new' }),
    ], {
      before: [1, ...Array.from({ length: 99 }, (_, i) => 4 + 3 * i)],
      after: [-2, 1, ...Array.from({ length: 97 }, (_, i) => 7 + 3 * i)],
      changed: 7,
    });
  });

  test('a page of the collection: writes while its documents are read leave the collection before them or after them', async () => {
    // rows near the page's end, which the read reaches last
    await whileReading(plain, {}, () => [
      plain.deleteOne({ _id: 95 }),
      plain.updateOne({ _id: 97 }, { $set: { s: 'changed' } }),
      plain.insertOne({ _id: -3, s: 'new' }),
    ], {
      before: Array.from({ length: 100 }, (_, i) => i),
      after: [-3, ...Array.from({ length: 95 }, (_, i) => i), 96, 97, 98, 99],
      changed: 97,
    });
  });
});
