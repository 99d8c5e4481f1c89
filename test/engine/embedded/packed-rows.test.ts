// Reads that pack many rows into one SQLite result (packed-rows.ts): an index range's slices and a
// column's build. The bytes of every document must come back exactly, whatever they hold (NULs,
// bytes that are not UTF-8, multi-byte text), whatever their size, in batches of any length.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Binary, ObjectId, serialize } from 'bson';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Collection } from '../../../src/engine/types.ts';
import type { Document } from '../../../src/engine/values.ts';

const ALL_BYTES = new Binary(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
const ids: unknown[] = [0, 'a', 'b\u0000c', 'ééé', new ObjectId('0123456789abcdef01234567'), 12345678901, -1.5, 'x'.repeat(300)];

/**
 * 1,100 documents: many slices of an index read, and more than two batches of a column build, the
 * first of which holds more than a batch's bytes (2 MB documents), so the next ones are smaller.
 */
function documents(): Document[] {
  return Array.from({ length: 1100 }, (_, n) => ({
    _id: ids[n] ?? `id ${n}`,
    n,
    g: n % 2,
    bin: ALL_BYTES,
    text: `\u0000 ${'😀'.repeat(n % 50)} \u00ff \uffff`,
    big: n % 400 === 5 || n === 6 ? 'y'.repeat(2 << 20) : '',
  }));
}

const bytesOf = (docs: Document[]) => docs.map((d) => Buffer.from(serialize(d)).toString('hex')).sort();

describe('packed reads give back every document byte for byte', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let c: Collection;
  const docs = documents();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-packed-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
    c = engine.db('db').collection('packed');
    await c.bulkWrite(docs.map((document) => ({ insertOne: { document } })));
    await c.createIndex({ name: 'g_1', key: { g: 1 } });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an index range read in slices', async () => {
    const found = await c.find({ g: 1 });
    assert.equal(found.length, 550);
    assert.deepEqual(bytesOf(found), bytesOf(docs.filter((d) => d.g === 1)));
  });

  test('a column built in batches that shrink for large documents', async () => {
    const found = await c.find({ n: { $gte: 0 } });
    assert.equal(found.length, 1100);
    assert.deepEqual(bytesOf(found), bytesOf(docs));
    assert.deepEqual(bytesOf(await c.find({ n: 18 })), bytesOf([docs[18]!]));
    assert.equal(await c.countDocuments({ text: { $regex: '😀{49}' } }), 22);
  });
});
