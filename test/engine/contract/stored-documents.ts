// The engine contract for findAsStored: the documents a reader that only renders them gets. Any of
// them may come as its BSON bytes (a RawDocument); built from those bytes, the answer is find()'s
// exactly, in find()'s order, after writes too. Run by embedded.test.ts, wire.test.ts and
// mongodb.test.ts next to engineContract.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Collection, Engine, FindOptions } from '../../../src/engine/types.ts';
import { RawDocument } from '../../../src/json/bson-json.ts';
import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, ObjectId, Timestamp, type Document } from '../../../src/engine/values.ts';
import { CONTRACT_DB_PREFIX, assertExact, type EngineUnderTest } from './contract.ts';

const i = (n: number) => new Int32(n);
const built = (docs: Array<Document | RawDocument>) => docs.map((d) => (d instanceof RawDocument ? d.parse() : d));

export function storedDocumentsContract(name: string, make: () => Promise<EngineUnderTest>): void {
  describe(`engine contract, documents as stored: ${name}`, () => {
    let engine: Engine;
    let cleanup: (() => Promise<void>) | undefined;
    const db = `${CONTRACT_DB_PREFIX}${randomBytes(4).toString('hex')}_stored`;
    let c: Collection;

    const same = async (filter: Document, opts: FindOptions = {}) => {
      const expected = await c.find(filter, opts);
      const stored = await c.findAsStored(filter, opts);
      assertExact(built(stored), expected, JSON.stringify([filter, opts]));
      return stored;
    };

    before(async () => {
      ({ engine, cleanup } = await make());
      c = engine.db(db).collection('docs');
      const docs: Document[] = [];
      for (let n = 0; n < 60; n++) {
        docs.push({
          _id: n, k: i(n % 7), n: new Double(n / 2), s: `text "${n}"\n\u00e9\u{1F600}`, when: new Date(1_700_000_000_000 + n),
          oid: new ObjectId(), tags: [i(n), 'x', { deep: [null, true] }], big: Long.fromString('9007199254740993'),
          ...(n % 5 === 0 ? { dec: Decimal128.fromString('1.10'), bin: new Binary(Buffer.from([n])), re: new BSONRegExp('a', 'i'), ts: new Timestamp({ t: n, i: 1 }) } : {}),
        });
      }
      await c.bulkWrite(docs.map((document) => ({ insertOne: { document } })));
      await c.createIndex({ name: 'k_1', key: { k: 1 } });
    });
    after(async () => {
      if (!engine) return;
      await engine.db(db).dropDatabase().catch(() => undefined);
      await cleanup?.();
    });

    test('through an index, a scan, a sort and a page: the documents find() gives, in its order', async () => {
      assert.equal((await same({ k: i(3) })).length, 9);
      await same({ k: { $in: [i(1), i(2)] } }, { sort: [['_id', -1]], limit: 5 });
      await same({ n: { $gte: 10 } }, { sort: [['n', -1]], skip: 3, limit: 10 });
      await same({ s: { $regex: '"1' } });
      await same({}, { sort: [['_id', 1]], skip: 50 });
      assert.equal((await same({ k: i(99) })).length, 0);
    });

    test('every type of the value model, and a projection', async () => {
      const docs = await same({ _id: { $in: [0, 5, 10] } });
      assert.equal(docs.length, 3);
      const projected = await same({ k: i(2) }, { projection: { s: 1 } });
      assert.deepEqual(Object.keys(built(projected)[0]!), ['_id', 's']);
    });

    test('read again after writes: the new versions, never a cached old one', async () => {
      await same({ k: i(4) });
      await c.updateOne({ _id: 4 }, { $set: { s: 'changed' } });
      await c.replaceOne({ _id: 11 }, { k: i(4), s: 'replaced' });
      await c.deleteOne({ _id: 18 });
      await c.insertOne({ _id: 100, k: i(4) });
      const docs = built(await same({ k: i(4) }, { sort: [['_id', 1]] }));
      assert.deepEqual(docs.map((d) => Number(d._id)), [4, 11, 25, 32, 39, 46, 53, 100]);
      assert.deepEqual([docs[0]!.s, docs[1]!.s, docs[7]!.s], ['changed', 'replaced', undefined]);
    });
  });
}
