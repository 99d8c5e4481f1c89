// The engine contract's regex section for whole-collection filters: the embedded engine answers
// them through a search of each column's strings for the pattern's required literal
// (src/engine/embedded/column-text.ts), so these cases aim at a wrong set of candidate rows:
// literals at the edges of strings, in later array elements, split across strings, strings with
// NUL, values the columns cannot hold, writes after the search text was built, collections over
// its limits. The expected answers are MongoDB's. Run by embedded.test.ts, wire.test.ts and
// mongodb.test.ts next to engineContract.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Collection, Engine, FindOptions } from '../../../src/engine/types.ts';
import { Decimal128, Int32, compareValues, numberOf, type Document } from '../../../src/engine/values.ts';
import { CONTRACT_DB_PREFIX, type EngineUnderTest } from './contract.ts';

const i = (n: number) => new Int32(n);

const NEEDLES = [1, 2, 3, 7, 13, 14, 16, 17];
const ALL = Array.from({ length: 17 }, (_, n) => n + 1);
const without = (ids: number[]) => ALL.filter((n) => !ids.includes(n));

export function regexSearchContract(name: string, make: () => Promise<EngineUnderTest>): void {
  describe(`engine contract, regexes over whole collections: ${name}`, () => {
    let engine: Engine;
    let cleanup: (() => Promise<void>) | undefined;
    const db = `${CONTRACT_DB_PREFIX}${randomBytes(4).toString('hex')}_regex`;
    let seq = 0;
    const seeded = async (docs: Document[]): Promise<Collection> => {
      const c = engine.db(db).collection(`r${++seq}`);
      await c.bulkWrite(docs.map((document) => ({ insertOne: { document } })));
      return c;
    };
    const ids = async (c: Collection, filter: Document, opts: FindOptions = {}) => {
      const docs = await c.find(filter, opts);
      if (!opts.sort) docs.sort((a, b) => compareValues(a._id, b._id));
      return docs.map((d) => numberOf(d._id));
    };

    before(async () => {
      ({ engine, cleanup } = await make());
    });
    after(async () => {
      if (!engine) return;
      await engine.db(db).dropDatabase().catch(() => undefined);
      await cleanup?.();
    });

    describe('strings, arrays and the values around them', () => {
      let c: Collection;
      before(async () => {
        c = await seeded([
          { _id: 1, s: 'needle at the start' },
          { _id: 2, s: 'at the end, a needle' },
          { _id: 3, s: ['first', 'second holds a needle'] },
          { _id: 4, s: 'nee' },
          { _id: 5, s: 'dle' },
          { _id: 6, s: ['nee', 'dle'] },
          { _id: 7, s: 'a\0needle' },
          { _id: 8, s: i(42) },
          { _id: 9 },
          { _id: 10, s: null },
          { _id: 11, s: { t: 'needle' } },
          { _id: 12, s: [['needle']] },
          { _id: 13, s: 'needle\nsecond line' },
          { _id: 14, s: 'a needle \u{1F600}' },
          { _id: 15, s: Decimal128.fromString('1.5') },
          { _id: 16, s: ['x', i(1), { t: 'needle' }, 'needles'] },
          { _id: 17, s: 'needleneedle' },
        ]);
      });

      test('a literal anywhere in a string or array element; never across two strings', async () => {
        assert.deepEqual(await ids(c, { s: /needle/ }), NEEDLES);
        assert.deepEqual(await ids(c, { s: { $regex: 'needle' } }), NEEDLES);
        assert.deepEqual(await ids(c, { s: { $regex: '^needle' } }), [1, 13, 16, 17]);
        assert.deepEqual(await ids(c, { s: { $regex: 'needle$' } }), [2, 3, 7, 17]);
        assert.deepEqual(await ids(c, { s: { $regex: '^first$' } }), [3]);
        assert.deepEqual(await ids(c, { s: { $regex: '^dle' } }), [5, 6]);
        assert.deepEqual(await ids(c, { s: /nee.le/ }), NEEDLES);
        assert.deepEqual(await ids(c, { s: /a.needle/ }), [2, 3, 7, 14]);
        assert.deepEqual(await ids(c, { s: { $regex: '\\x00nee' } }), [7]);
        assert.equal(await c.countDocuments({ s: /needle/ }), NEEDLES.length);
        assert.deepEqual(await ids(c, { s: /needle/ }, { sort: [['_id', -1]], limit: 3 }), [17, 16, 14]);
      });
      test('options i, m, s and u', async () => {
        assert.deepEqual(await ids(c, { s: /NEEDLE/i }), NEEDLES);
        assert.deepEqual(await ids(c, { s: { $regex: 'needle$', $options: 'm' } }), [2, 3, 7, 13, 17]);
        assert.deepEqual(await ids(c, { s: { $regex: '^second', $options: 'm' } }), [3, 13]);
        assert.deepEqual(await ids(c, { s: { $regex: 'needle.second' } }), []);
        assert.deepEqual(await ids(c, { s: { $regex: 'needle.second', $options: 's' } }), [13]);
        assert.deepEqual(await ids(c, { s: { $regex: 'needle \u{1F600}', $options: 'u' } }), [14]);
        assert.deepEqual(await ids(c, { s: { $regex: 'a needle .$' } }), [14]);
      });
      test('$not, $nin, $in and $nor with regexes count missing and non-string values', async () => {
        assert.deepEqual(await ids(c, { s: { $not: /needle/ } }), without(NEEDLES));
        assert.deepEqual(await ids(c, { s: { $not: { $regex: 'needle' } } }), without(NEEDLES));
        assert.deepEqual(await ids(c, { $nor: [{ s: /needle/ }] }), without(NEEDLES));
        assert.deepEqual(await ids(c, { s: { $in: [/needle/, /^nee$/] } }), [1, 2, 3, 4, 6, 7, 13, 14, 16, 17]);
        assert.deepEqual(await ids(c, { s: { $in: [/^dle/, 'nee'] } }), [4, 5, 6]);
        assert.deepEqual(await ids(c, { s: { $nin: [/needle/, /^dle$/] } }), [4, 8, 9, 10, 11, 12, 15]);
        assert.deepEqual(await ids(c, { $and: [{ s: /needle/ }, { s: /start/ }] }), [1]);
        assert.deepEqual(await ids(c, { $or: [{ s: /start/ }, { s: /^dle/ }] }), [1, 5, 6]);
      });
    });

    test('paths through arrays of documents', async () => {
      const docs: Document[] = Array.from({ length: 80 }, (_, n) => ({
        _id: n, n: i(n), links: [{ url: `http://example${n}.org/index.html` }, { url: `http://cdn${n}.example.net/lib.js` }],
      }));
      docs.push(
        { _id: 100, links: [] },
        { _id: 101, links: { url: 'http://example7.org/' } },
        { _id: 102, links: [{ other: i(1) }, { url: 'http://example7.org/' }] },
        { _id: 103, links: [{ url: ['x', 'http://example7.org/x'] }] },
        { _id: 104, links: [[{ url: 'http://example7.org/' }]] },
        { _id: 105, links: [{ url: i(7) }, { url: 'http://example7.org/\u{1F600}' }] },
      );
      const c = await seeded(docs);
      assert.deepEqual(await ids(c, { 'links.url': { $regex: 'ample7.org' } }), [7, 101, 102, 103, 105]);
      assert.deepEqual(await ids(c, { 'links.url': { $regex: 'cdn3\\.' } }), [3]);
      assert.deepEqual(await ids(c, { 'links.url': /lib\.js$/ }), docs.slice(0, 80).map((d) => d._id));
      const others = (await ids(c, {})).filter((n) => ![7, 101, 102, 103, 105].includes(n));
      assert.deepEqual(await ids(c, { 'links.url': { $not: /ample7.org/ } }), others);
    });

    test('writes after a search: updates, inserts and deletes are seen by the next query', async () => {
      const c = await seeded(Array.from({ length: 300 }, (_, n) => ({ _id: n, s: `row ${n}` })));
      assert.deepEqual(await ids(c, { s: /needle/ }), []);
      await c.updateOne({ _id: 5 }, { $set: { s: 'now a needle' } });
      assert.deepEqual(await ids(c, { s: /needle/ }), [5]);
      await c.insertOne({ _id: 1000, s: ['x', 'needle'] });
      assert.deepEqual(await ids(c, { s: { $regex: 'needle' } }), [5, 1000]);
      await c.deleteOne({ _id: 5 });
      assert.deepEqual(await ids(c, { s: /needle/ }), [1000]);
      await c.updateOne({ _id: 1000 }, { $set: { s: 'gone' } });
      assert.deepEqual(await ids(c, { s: /needle/ }), []);
      await c.updateOne({ _id: 3 }, { $set: { s: 'needle \u{1F600}' } });
      assert.deepEqual(await ids(c, { s: /needle/ }), [3]);
      assert.deepEqual(await ids(c, { s: /row 1\d$/ }), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      // every row written: the search text is built again
      await c.updateMany({}, { $set: { s: 'needle' } });
      assert.equal(await c.countDocuments({ s: /needle/ }), 300);
      await c.updateMany({ _id: { $gte: 10 } }, { $set: { s: 'hay' } });
      assert.deepEqual(await ids(c, { s: /needle/ }), [0, 1, 2, 3, 4, 6, 7, 8, 9]);
      assert.equal(await c.countDocuments({ s: { $not: /needle/ } }), 291);
    });

    test('collections over the search text\'s limits still answer every row', async () => {
      const needles = [0, 999, 2046, 2047, 2048, 4094, 4095, 4096, 4097, 4999];
      const big = await seeded(Array.from({ length: 5000 }, (_, n) => ({
        _id: n, t: needles.includes(n) ? 'a needle' : 'hay', tags: ['a', 'b', 'c', 'd', needles.includes(n) ? 'needle' : `tag${n}`],
      })));
      assert.deepEqual(await ids(big, { t: /needle/ }), needles);
      assert.deepEqual(await ids(big, { tags: /needle/ }), needles);
      assert.deepEqual(await ids(big, { tags: /^tag409/ }), [409, 4090, 4091, 4092, 4093, 4098, 4099]);
      assert.equal(await big.countDocuments({ tags: { $not: /needle/ } }), 5000 - needles.length);
      const long = await seeded([{ _id: 1, s: `${'x'.repeat(1_200_000)}needle` }, { _id: 2, s: 'needle' }, { _id: 3, s: 'hay' }]);
      assert.deepEqual(await ids(long, { s: /needle$/ }), [1, 2]);
      assert.deepEqual(await ids(long, { s: { $not: /needle/ } }), [3]);
    });
  });
}
