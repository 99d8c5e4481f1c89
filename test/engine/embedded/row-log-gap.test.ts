// Two engines on one data directory in shared mode, as workers are. A read that yields keeps a log
// of the rows written meanwhile (columns.ts); when the other engine's writes were trimmed from the
// row log before this one read them (row-log.ts), that log is incomplete. The read must then answer
// the collection as it was before the writes or after them, never a mix.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Collection } from '../../../src/engine/types.ts';

const N = 20_000;

describe('a read while the row log drops entries it has not read', () => {
  let dir: string;
  let a: EmbeddedEngine;
  let b: EmbeddedEngine;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-rowlog-gap-'));
    a = new EmbeddedEngine(dir, { exclusive: false, rowLogEntries: 8 });
    b = new EmbeddedEngine(dir, { exclusive: false, rowLogEntries: 8 });
  });
  after(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A's read of every document while B deletes the last one (by k) and inserts one before the first. */
  async function readAcrossWrite(ca: Collection, cb: Collection, read: () => Promise<unknown[]>, id: (d: unknown) => unknown): Promise<Set<unknown>> {
    // both engines have read the row log up to now: the gap below is the only one
    await cb.insertOne({ _id: 'sync' });
    await ca.findOne({ _id: 'sync' });
    await b.db('db').collection('other').findOne({});
    const reading = read();
    const writing = (async () => {
      await cb.bulkWrite([
        { deleteOne: { filter: { _id: N - 1 } } },
        { insertOne: { document: { _id: 'z', k: 0 } } },
        // more rows than the log keeps, so A finds entries it never read trimmed away
        ...Array.from({ length: 20 }, (_, i) => ({ insertOne: { document: { _id: `filler${i}` } } })),
      ]);
    })();
    const [docs] = await Promise.all([reading, writing]);
    return new Set((docs as unknown[]).map(id));
  }

  function assertBeforeOrAfter(ids: Set<unknown>): void {
    const before = ids.has(N - 1) && !ids.has('z');
    const afterWrite = !ids.has(N - 1) && ids.has('z');
    assert.ok(before || afterWrite, `a mix of before and after: last ${ids.has(N - 1)}, inserted ${ids.has('z')}, ${ids.size} documents`);
  }

  test('through an index (a wide range read in slices)', async () => {
    const ca = a.db('db').collection('byIndex');
    const cb = b.db('db').collection('byIndex');
    await ca.bulkWrite(Array.from({ length: N }, (_, i) => ({ insertOne: { document: { _id: i, k: i } } })));
    await ca.createIndex({ name: 'k', key: { k: 1 } });
    const ids = await readAcrossWrite(ca, cb, () => ca.find({ k: { $gte: 0 } }), (d) => (d as { _id: unknown })._id);
    assertBeforeOrAfter(ids);
  });
});
