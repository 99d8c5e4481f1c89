// The engine contract: every behaviour the API relies on, written once and run against every
// engine (embedded.test.ts, mongodb.test.ts, wire.test.ts). It asserts MongoDB's own behaviour,
// so it is the one place where engine semantics are pinned down.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UUID } from 'bson';
import { after, before, describe, test } from 'node:test';
import type { Collection, Engine, FindOptions } from '../../../src/engine/types.ts';
import {
  Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, compareValues,
  isNumeric, isPlainObject, numberOf, valuesEqual, type Document,
} from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';

export interface EngineUnderTest {
  engine: Engine;
  cleanup: () => Promise<void>;
}

/** Every database the suite creates starts with this (runners may drop leftovers by it). */
export const CONTRACT_DB_PREFIX = 'docrest_ct_';

const i = (n: number) => new Int32(n);
const d = (n: number) => new Double(n);
const l = (n: number | bigint | string) => Long.fromString(String(n));
const dec = (s: string) => Decimal128.fromString(s);

/** Key order and the constructor of every non-plain value: what deepStrictEqual does not see. */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') {
    if (isPlainObject(v)) return Object.entries(v).map(([k, x]) => [k, shape(x)]);
    return (v as object).constructor.name;
  }
  return typeof v;
}

/** An expected value in the exact model: JS numbers become what BSON stores them as (Int32 or Double). */
function model(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0) ? i(v) : d(v);
  if (Array.isArray(v)) return v.map(model);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, model(x)]));
  return v;
}

/** Same values (MongoDB equality), same key order, same BSON types. */
export function assertExact(actual: unknown, expected: unknown, message?: string): void {
  expected = model(expected);
  assert.deepStrictEqual(shape(actual), shape(expected), message);
  assert.ok(valuesEqual(actual, expected), message ?? `${String(actual)} != ${String(expected)}`);
}

/** The _ids of documents, as comparable plain values. */
function idList(docs: Document[]): unknown[] {
  return docs.map((doc) => plain(doc._id));
}

function plain(v: unknown): unknown {
  if (isNumeric(v)) return numberOf(v);
  if (v instanceof ObjectId) return v.toHexString();
  if (Array.isArray(v)) return v.map(plain);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

async function rejects(p: Promise<unknown>, code: number | number[], message?: RegExp): Promise<EngineError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, 'expected the operation to fail');
  assert.ok(caught instanceof EngineError, `expected an EngineError, got ${String(caught)}`);
  const codes = Array.isArray(code) ? code : [code];
  assert.ok(codes.includes(caught.code), `expected code ${codes.join(' or ')}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

export function engineContract(name: string, make: () => Promise<EngineUnderTest>): void {
  describe(`engine contract: ${name}`, () => {
    let engine: Engine;
    let cleanup: (() => Promise<void>) | undefined;
    const runId = randomBytes(4).toString('hex');
    const created = new Set<string>();
    let seq = 0;

    /** A database name unique to this run. */
    const dbName = (tag: string) => {
      const n = `${CONTRACT_DB_PREFIX}${runId}_${tag}`;
      created.add(n);
      return n;
    };
    /** A fresh, empty collection of the run's main database. */
    const coll = (): Collection => engine.db(dbName('main')).collection(`c${++seq}`);
    const seeded = async (docs: Document[]): Promise<Collection> => {
      const c = coll();
      for (const doc of docs) await c.insertOne(doc);
      return c;
    };
    /** The _ids found; in the engine's order when sorted, else in _id order (natural order is no promise). */
    const findIds = async (c: Collection, filter: Document, opts: FindOptions = {}) => {
      const docs = await c.find(filter, opts);
      if (!opts.sort) docs.sort((a, b) => compareValues(a._id, b._id));
      return idList(docs);
    };

    before(async () => {
      ({ engine, cleanup } = await make());
    });
    after(async () => {
      if (!engine) return;
      for (const db of created) await engine.db(db).dropDatabase().catch(() => undefined);
      await cleanup?.();
    });

    // ---- queries ------------------------------------------------------------------------

    describe('queries: comparison', () => {
      const docs = [
        { _id: 1, a: i(1) }, { _id: 2, a: l(2) }, { _id: 3, a: d(3.5) }, { _id: 4, a: dec('4') }, { _id: 5, a: '5' },
        { _id: 6, a: null }, { _id: 7 }, { _id: 8, a: [i(1), i(10)] }, { _id: 9, a: new Date(9) }, { _id: 10, a: true },
      ];
      let c: Collection;
      before(async () => {
        c = await seeded(docs);
      });

      test('$eq matches every numeric type by value (1 == 1.0 == Long 1 == Decimal 1)', async () => {
        assert.deepEqual(await findIds(c, { a: 1 }), [1, 8]);
        assert.deepEqual(await findIds(c, { a: d(1) }), [1, 8]);
        assert.deepEqual(await findIds(c, { a: l(2) }), [2]);
        assert.deepEqual(await findIds(c, { a: d(2) }), [2]);
        assert.deepEqual(await findIds(c, { a: { $eq: i(4) } }), [4]);
        assert.deepEqual(await findIds(c, { a: dec('3.5') }), [3]);
      });
      test('null matches null and missing fields', async () => {
        assert.deepEqual(await findIds(c, { a: null }), [6, 7]);
        assert.deepEqual(await findIds(c, { a: { $eq: null } }), [6, 7]);
      });
      test('$ne excludes the value, and $ne null excludes missing fields', async () => {
        assert.deepEqual(await findIds(c, { a: { $ne: 1 } }), [2, 3, 4, 5, 6, 7, 9, 10]);
        assert.deepEqual(await findIds(c, { a: { $ne: null } }), [1, 2, 3, 4, 5, 8, 9, 10]);
      });
      test('range operators compare within the operand type only (type bracketing)', async () => {
        assert.deepEqual(await findIds(c, { a: { $gt: 2 } }), [3, 4, 8]);
        assert.deepEqual(await findIds(c, { a: { $gte: 2 } }), [2, 3, 4, 8]);
        assert.deepEqual(await findIds(c, { a: { $lt: 3.5 } }), [1, 2, 8]);
        assert.deepEqual(await findIds(c, { a: { $lte: l(1) } }), [1, 8]);
        assert.deepEqual(await findIds(c, { a: { $gt: '' } }), [5]);
        assert.deepEqual(await findIds(c, { a: { $lt: new Date(10) } }), [9]);
        assert.deepEqual(await findIds(c, { a: { $gte: false } }), [10]);
      });
      test('a range on an array field matches when any element does, each bound separately', async () => {
        // [1, 10]: 10 > 5 and 1 < 8, so the array matches although no element is in (5, 8)
        assert.deepEqual(await findIds(c, { a: { $gt: 5, $lt: 8 } }), [8]);
      });
      test('$in and $nin, with null standing for missing', async () => {
        assert.deepEqual(await findIds(c, { a: { $in: [1, '5'] } }), [1, 5, 8]);
        assert.deepEqual(await findIds(c, { a: { $in: [null] } }), [6, 7]);
        assert.deepEqual(await findIds(c, { a: { $nin: [1, null, '5'] } }), [2, 3, 4, 9, 10]);
        assert.deepEqual(await findIds(c, { a: { $in: [/^5/] } }), [5]);
      });
    });

    describe('queries: documents, arrays and paths', () => {
      let c: Collection;
      before(async () => {
        c = await seeded([
          { _id: 1, tags: ['x', 'y'], o: { p: 1, q: 2 }, items: [{ k: 'a', n: 1 }, { k: 'b', n: 5 }] },
          { _id: 2, tags: ['y', 'x'], o: { q: 2, p: 1 }, items: [{ k: 'a', n: 5 }] },
          { _id: 3, tags: [['x', 'y'], 'z'], o: { p: 1 }, items: [] },
          { _id: 4, tags: 'x', o: null },
          { _id: 5, tags: [], o: { p: { r: 1 } } },
        ]);
      });

      test('a scalar matches an array that contains it; an array matches exactly', async () => {
        assert.deepEqual(await findIds(c, { tags: 'x' }), [1, 2, 4]);
        assert.deepEqual(await findIds(c, { tags: ['x', 'y'] }), [1, 3]);
        assert.deepEqual(await findIds(c, { tags: [] }), [5]);
      });
      test('an embedded document matches exactly, field order included', async () => {
        assert.deepEqual(await findIds(c, { o: { p: 1, q: 2 } }), [1]);
        assert.deepEqual(await findIds(c, { o: { q: 2, p: 1 } }), [2]);
      });
      test('dotted paths reach into documents and across arrays of documents', async () => {
        assert.deepEqual(await findIds(c, { 'o.p': 1 }), [1, 2, 3]);
        assert.deepEqual(await findIds(c, { 'o.p.r': 1 }), [5]);
        assert.deepEqual(await findIds(c, { 'items.k': 'b' }), [1]);
        assert.deepEqual(await findIds(c, { 'items.n': { $gte: 5 } }), [1, 2]);
        assert.deepEqual(await findIds(c, { 'items.0.n': 5 }), [2]);
        assert.deepEqual(await findIds(c, { 'tags.1': 'x' }), [2]);
      });
      test('across array elements, conditions may be met by different elements unless $elemMatch', async () => {
        assert.deepEqual(await findIds(c, { 'items.k': 'a', 'items.n': 5 }), [1, 2]);
        assert.deepEqual(await findIds(c, { items: { $elemMatch: { k: 'a', n: 5 } } }), [2]);
      });
    });

    describe('queries: logical, element, evaluation and array operators', () => {
      let c: Collection;
      before(async () => {
        c = await seeded([
          { _id: 1, a: i(1), b: i(5), s: 'Apple', arr: [i(1), i(2), i(3)] },
          { _id: 2, a: i(8), b: i(2), s: 'banana', arr: [i(2)] },
          { _id: 3, a: d(12), b: null, s: 'apricot', arr: [i(3), i(7)] },
          { _id: 4, a: 'x', s: ['pear', 'apple'], arr: [] },
          { _id: 5, a: l(16), b: i(20), s: 7 },
        ]);
      });

      test('$and, $or, $nor', async () => {
        assert.deepEqual(await findIds(c, { $and: [{ a: { $gt: 1 } }, { a: { $lt: 15 } }] }), [2, 3]);
        assert.deepEqual(await findIds(c, { $or: [{ a: 1 }, { b: 2 }, { s: 7 }] }), [1, 2, 5]);
        assert.deepEqual(await findIds(c, { $nor: [{ a: 1 }, { b: null }] }), [2, 5]);
      });
      test('$not negates, including documents where the field is missing or of another type', async () => {
        assert.deepEqual(await findIds(c, { a: { $not: { $gt: 5 } } }), [1, 4]);
        assert.deepEqual(await findIds(c, { s: { $not: /^a/i } }), [2, 5]);
      });
      test('$exists counts null as existing', async () => {
        assert.deepEqual(await findIds(c, { b: { $exists: true } }), [1, 2, 3, 5]);
        assert.deepEqual(await findIds(c, { b: { $exists: false } }), [4]);
      });
      test('$type by alias and number; arrays match their own type and their elements\'', async () => {
        assert.deepEqual(await findIds(c, { a: { $type: 'number' } }), [1, 2, 3, 5]);
        assert.deepEqual(await findIds(c, { a: { $type: 'string' } }), [4]);
        assert.deepEqual(await findIds(c, { a: { $type: 2 } }), [4]);
        assert.deepEqual(await findIds(c, { b: { $type: 'null' } }), [3]);
        assert.deepEqual(await findIds(c, { arr: { $type: 'array' } }), [1, 2, 3, 4]);
        assert.deepEqual(await findIds(c, { s: { $type: ['string'] } }), [1, 2, 3, 4]);
      });
      test('$type tells the numeric BSON types apart', async () => {
        assert.deepEqual(await findIds(c, { a: { $type: 'int' } }), [1, 2]);
        assert.deepEqual(await findIds(c, { a: { $type: 'double' } }), [3]);
        assert.deepEqual(await findIds(c, { a: { $type: 'long' } }), [5]);
        assert.deepEqual(await findIds(c, { a: { $type: 16 } }), [1, 2]);
      });
      test('$regex (object and literal, with options) matches strings and string elements only', async () => {
        assert.deepEqual(await findIds(c, { s: /^ap/ }), [3, 4]);
        assert.deepEqual(await findIds(c, { s: /^ap/i }), [1, 3, 4]);
        assert.deepEqual(await findIds(c, { s: { $regex: '^AP', $options: 'i' } }), [1, 3, 4]);
        assert.deepEqual(await findIds(c, { s: { $regex: /an+a$/ } }), [2]);
        assert.deepEqual(await findIds(c, { s: new BSONRegExp('^b') }), [2]);
      });
      test('$mod', async () => {
        assert.deepEqual(await findIds(c, { a: { $mod: [4, 0] } }), [2, 3, 5]);
        assert.deepEqual(await findIds(c, { b: { $mod: [5, 0] } }), [1, 5]);
      });
      test('$expr compares fields of the same document', async () => {
        assert.deepEqual(await findIds(c, { $expr: { $gt: ['$a', '$b'] } }), [2, 3, 4]);
        assert.deepEqual(await findIds(c, { $expr: { $eq: [{ $size: { $ifNull: ['$arr', []] } }, 1] } }), [2]);
      });
      test('$all, $size, $elemMatch on values', async () => {
        assert.deepEqual(await findIds(c, { arr: { $all: [i(3), i(1)] } }), [1]);
        assert.deepEqual(await findIds(c, { arr: { $size: 2 } }), [3]);
        assert.deepEqual(await findIds(c, { arr: { $size: 0 } }), [4]);
        assert.deepEqual(await findIds(c, { arr: { $elemMatch: { $gt: 2, $lt: 5 } } }), [1, 3]);
      });
      test('an unknown operator is BadValue (2)', async () => {
        await rejects(c.find({ a: { $foo: 1 } }), 2);
        await rejects(c.find({ $foo: 1 }), 2);
        await rejects(c.countDocuments({ a: { $foo: 1 } }), 2);
      });
    });

    describe('queries: the compiled operators (embedded columns) agree with MongoDB', () => {
      const oid = (n: number) => new ObjectId(n.toString(16).padStart(24, '0'));
      let c: Collection;
      before(async () => {
        c = await seeded([
          { _id: 1, v: i(5), s: 'abc', o: oid(1), t: new Date(1000), b: true, arr: [i(1), 'x', { z: i(1) }], m: [{ x: i(1) }, { x: i(2) }] },
          { _id: 2, v: d(5), s: 'abd', o: oid(2), t: new Date(2000), b: false, arr: [[i(5)]], m: [{ y: i(1) }] },
          { _id: 3, v: 'five', s: 'ABC', arr: [], m: [] },
          { _id: 4, v: null, s: '\u00e9', m: { x: i(3) } },
          { _id: 5, v: [i(5), i(6)], s: '\u{1F600}', m: [{ x: null }] },
          { _id: 6, v: { w: i(5) }, s: 'z\nabc' },
        ]);
      });

      test('equality and ranges across numeric types, strings, ObjectIds, dates and booleans', async () => {
        assert.deepEqual(await findIds(c, { v: 5 }), [1, 2, 5]);
        assert.deepEqual(await findIds(c, { v: { $gt: 4 } }), [1, 2, 5]);
        assert.deepEqual(await findIds(c, { v: { $gt: 4, $lt: 6 } }), [1, 2, 5]);
        assert.deepEqual(await findIds(c, { v: { $lt: 'g' } }), [3]);
        assert.deepEqual(await findIds(c, { s: { $gt: 'abc' } }), [2, 4, 5, 6]);
        assert.deepEqual(await findIds(c, { s: { $lte: 'abd' } }), [1, 2, 3]);
        assert.deepEqual(await findIds(c, { o: oid(1) }), [1]);
        assert.deepEqual(await findIds(c, { o: { $gt: oid(1) } }), [2]);
        assert.deepEqual(await findIds(c, { t: new Date(1000) }), [1]);
        assert.deepEqual(await findIds(c, { t: { $gte: new Date(1500) } }), [2]);
        assert.deepEqual(await findIds(c, { b: { $lt: true } }), [2]);
        assert.deepEqual(await findIds(c, { b: false }), [2]);
      });
      test('$ne, $in, $nin, $not, $or and $nor over arrays, nulls and documents', async () => {
        assert.deepEqual(await findIds(c, { v: { $ne: 5 } }), [3, 4, 6]);
        assert.deepEqual(await findIds(c, { v: { $nin: [5, null] } }), [3, 6]);
        assert.deepEqual(await findIds(c, { s: { $in: [/^A/, '\u00e9'] } }), [3, 4]);
        assert.deepEqual(await findIds(c, { v: { $not: { $gt: 4 } } }), [3, 4, 6]);
        assert.deepEqual(await findIds(c, { $or: [{ v: 'five' }, { 'm.x': 3 }] }), [3, 4]);
        assert.deepEqual(await findIds(c, { $nor: [{ v: 5 }, { s: /^a/ }] }), [3, 4, 6]);
      });
      test('paths into arrays: elements, nested arrays, documents in arrays, $exists', async () => {
        assert.deepEqual(await findIds(c, { arr: 'x' }), [1]);
        assert.deepEqual(await findIds(c, { arr: 5 }), []);
        assert.deepEqual(await findIds(c, { arr: { $exists: true } }), [1, 2, 3]);
        assert.deepEqual(await findIds(c, { 'arr.z': 1 }), [1]);
        assert.deepEqual(await findIds(c, { 'm.x': 1 }), [1]);
        assert.deepEqual(await findIds(c, { 'm.x': { $gte: 2 } }), [1, 4]);
        assert.deepEqual(await findIds(c, { 'm.x': { $exists: true } }), [1, 4, 5]);
        assert.deepEqual(await findIds(c, { 'm.x': { $exists: false } }), [2, 3, 6]);
      });
      test('a BSON regex on an indexed field matches like a RegExp (not as an equality lookup)', async () => {
        const x = await seeded([{ _id: 1, a: 'apple' }, { _id: 2, a: 'banana' }, { _id: 3, a: 'Avocado' }]);
        await x.createIndex({ name: 'a_1', key: { a: i(1) } });
        assert.deepEqual(await findIds(x, { a: new BSONRegExp('^a', 'i') }), [1, 3]);
        assert.deepEqual(await findIds(x, { a: { $in: [new BSONRegExp('^b', '')] } }), [2]);
        assert.deepEqual(await findIds(x, { _id: new BSONRegExp('^1', '') }), []);
      });
      test('$regex with the m and i options', async () => {
        assert.deepEqual(await findIds(c, { s: { $regex: '^abc$', $options: 'm' } }), [1, 6]);
        assert.deepEqual(await findIds(c, { s: { $regex: '^a', $options: 'i' } }), [1, 2, 3]);
        assert.deepEqual(await findIds(c, { s: { $not: /b/ } }), [3, 4, 5]);
      });
      test('sorts by strings in UTF-8 order with skip and limit; counts', async () => {
        assert.deepEqual(idList(await c.find({}, { sort: [['s', 1]] })), [3, 1, 2, 6, 4, 5]);
        assert.deepEqual(idList(await c.find({ s: { $exists: true } }, { sort: [['s', -1]], skip: 1, limit: 3 })), [4, 6, 2]);
        assert.equal(await c.countDocuments({ v: 5 }), 3);
        const many = await seeded(Array.from({ length: 40 }, (_, n) => ({ _id: n, v: i((n * 7) % 20), w: n % 2 === 0 ? 'even' : null })));
        assert.deepEqual(idList(await many.find({}, { sort: [['v', -1], ['_id', 1]], limit: 3 })), [17, 37, 14]);
        assert.deepEqual(idList(await many.find({ v: { $lt: 3 } }, { sort: [['w', 1], ['v', 1], ['_id', 1]], skip: 1, limit: 2 })), [23, 0]);
      });
      test('comparisons with a number: NaN, infinities, -0, Int64 past 2^53, Decimal128, arrays, and a field changing type', async () => {
        const n = await seeded([
          { _id: 1, v: i(5) }, { _id: 2, v: d(5.5) }, { _id: 3, v: d(NaN) }, { _id: 4, v: d(Infinity) }, { _id: 5, v: d(-Infinity) },
          { _id: 6, v: d(-0) }, { _id: 7, v: l('9007199254740993') }, { _id: 8, v: [i(1), i(10)] }, { _id: 9, v: '7' },
          { _id: 10, v: dec('5') }, { _id: 11 }, { _id: 12, v: [[i(5)]] }, { _id: 13, v: i(0) },
        ]);
        assert.deepEqual(await findIds(n, { v: 5 }), [1, 10]);
        assert.deepEqual(await findIds(n, { v: 0 }), [6, 13]);
        assert.deepEqual(await findIds(n, { v: d(Infinity) }), [4]);
        assert.deepEqual(await findIds(n, { v: { $gt: 5 } }), [2, 4, 7, 8]);
        assert.deepEqual(await findIds(n, { v: { $gte: 5 } }), [1, 2, 4, 7, 8, 10]);
        assert.deepEqual(await findIds(n, { v: { $lt: 1 } }), [5, 6, 13]);
        assert.deepEqual(await findIds(n, { v: { $lte: 0 } }), [5, 6, 13]);
        assert.deepEqual(await findIds(n, { v: { $gt: 1, $lt: 10 } }), [1, 2, 8, 10]);
        assert.deepEqual(await findIds(n, { v: '7' }), [9]);
        assert.deepEqual(await findIds(n, { v: { $in: [5, 0] } }), [1, 6, 10, 13]);
        assert.deepEqual(await findIds(n, { v: { $in: [10, -1] } }), [8]);
        assert.deepEqual(await findIds(n, { $and: [{ v: { $gte: 0 } }, { v: { $lt: 6 } }] }), [1, 2, 6, 8, 10, 13]);
        assert.deepEqual(await findIds(n, { v: { $gte: 0 }, _id: { $lt: 7 } }), [1, 2, 4, 6]);
        // an array passes when each bound holds for some element: [1, 10] is in the next three ranges
        assert.deepEqual(await findIds(n, { v: { $gte: 5, $lte: 5.5 } }), [1, 2, 8, 10]);
        assert.deepEqual(await findIds(n, { v: { $gt: 5, $lt: 5 } }), [8]);
        assert.deepEqual(await findIds(n, { v: { $gte: 2, $lt: 3 } }), [8]);
        assert.deepEqual(await findIds(n, { v: { $gt: -1, $lte: 0, $ne: 1 } }), [6, 13]);
        await n.updateOne({ _id: 9 }, { $set: { v: i(7) } });
        assert.deepEqual(await findIds(n, { v: { $gt: 6, $lt: 8 } }), [8, 9]);
        await n.updateOne({ _id: 1 }, { $set: { v: 'x' } });
        assert.deepEqual(await findIds(n, { v: 5 }), [10]);
        await n.deleteOne({ _id: 10 });
        // each bound may hold for a different element of an array
        assert.deepEqual(await findIds(n, { v: { $gte: 5, $lte: 5 } }), [8]);
        await n.insertOne({ _id: 14, v: d(5) });
        assert.deepEqual(await findIds(n, { v: 5 }), [14]);
        assert.equal(await n.countDocuments({ v: { $gte: 5 } }), 6);
        // NaN sorts before every other number
        assert.deepEqual(idList(await n.find({ v: { $exists: true } }, { sort: [['v', 1], ['_id', 1]], limit: 4 })), [3, 5, 6, 13]);
      });
      test('results follow writes: update, delete, and an insert out of _id order', async () => {
        const w = await seeded([{ _id: 1, v: i(5) }, { _id: 2, v: i(5) }, { _id: 3, v: 'x' }, { _id: 4, v: i(5) }]);
        assert.deepEqual(await findIds(w, { v: 5 }), [1, 2, 4]);
        await w.updateOne({ _id: 3 }, { $set: { v: i(5) } });
        assert.deepEqual(await findIds(w, { v: 5 }), [1, 2, 3, 4]);
        await w.deleteOne({ _id: 1 });
        assert.deepEqual(await findIds(w, { v: 5 }), [2, 3, 4]);
        await w.insertOne({ _id: 0, v: i(5) });
        assert.deepEqual(await findIds(w, { v: 5 }), [0, 2, 3, 4]);
        assert.deepEqual(idList(await w.find({ v: 5 }, { sort: [['_id', 1]], limit: 2 })), [0, 2]);
        assert.deepEqual(idList(await w.find({ v: 5 }, { sort: [['_id', -1]], limit: 2 })), [4, 3]);
        await w.updateMany({ v: 5 }, { $set: { v: i(6) } });
        assert.deepEqual(await findIds(w, { v: 5 }), []);
        assert.equal(await w.countDocuments({ v: 6 }), 4);
      });
    });

    // ---- sort, paging, projection --------------------------------------------------------

    describe('queries: regular expressions and their options', () => {
      let c: Collection;
      let e: Collection;
      before(async () => {
        c = await seeded([
          { _id: 1, s: 'abc' }, { _id: 2, s: 'ABC' }, { _id: 3, s: 'a\nbc' }, { _id: 4, s: 'x\nabc' }, { _id: 5, s: 'a b c' },
          { _id: 6, s: '\u{1F600}x' }, { _id: 7, s: i(42) }, { _id: 8 }, { _id: 9, t: ['abc', 'xyz'] }, { _id: 10, t: ['abc'] },
        ]);
        e = await seeded([{ _id: 1, s: 'abc' }, { _id: 2, s: 'ABC' }, { _id: 3, s: 'a\nbc' }, { _id: 4 }, { _id: 5, s: '\u{1F600}a1b22' }]);
      });

      test('s lets . match a newline; m makes ^ match after one', async () => {
        assert.deepEqual(await findIds(c, { s: { $regex: 'a.bc' } }), []);
        assert.deepEqual(await findIds(c, { s: { $regex: 'a.bc', $options: 's' } }), [3]);
        assert.deepEqual(await findIds(c, { s: { $regex: '^bc' } }), []);
        assert.deepEqual(await findIds(c, { s: { $regex: '^bc', $options: 'm' } }), [3]);
      });
      test('x ignores whitespace and #-comments, except escaped or in a class', async () => {
        assert.deepEqual(await findIds(c, { s: { $regex: 'a b c # letters', $options: 'x' } }), [1, 4]);
        assert.deepEqual(await findIds(c, { s: { $regex: 'a b c', $options: 'xi' } }), [1, 2, 4]);
        assert.deepEqual(await findIds(c, { s: { $regex: 'a[ ]b', $options: 'x' } }), [5]);
        assert.deepEqual(await findIds(c, { s: { $regex: 'a\\ b', $options: 'x' } }), [5]);
        assert.deepEqual(await findIds(c, { s: { $not: { $regex: 'a b c', $options: 'x' } } }), [2, 3, 5, 6, 7, 8, 9, 10]);
      });
      test('a code point is one character, with or without u', async () => {
        assert.deepEqual(await findIds(c, { s: { $regex: '^.x$' } }), [6]);
        assert.deepEqual(await findIds(c, { s: { $regex: '^.x$', $options: 'u' } }), [6]);
      });
      test('regexes in $in and $all', async () => {
        assert.deepEqual(await findIds(c, { s: { $in: [/^a b/, /^abc$/i] } }), [1, 2, 5]);
        assert.deepEqual(await findIds(c, { t: { $all: [/^a/, /z$/] } }), [9]);
      });
      test('an invalid option or pattern is refused', async () => {
        await rejects(c.find({ s: { $regex: 'a', $options: 'z' } }), [2, 51108]);
        await rejects(c.find({ s: { $regex: '(' } }), [2, 51091]);
      });
      test('$regexMatch with options, in the regex or apart', async () => {
        assert.deepEqual(await findIds(e, { $expr: { $regexMatch: { input: '$s', regex: '^a', options: 'i' } } }), [1, 2, 3]);
        assert.deepEqual(await findIds(e, { $expr: { $regexMatch: { input: '$s', regex: '^bc', options: 'm' } } }), [3]);
        assert.deepEqual(await findIds(e, { $expr: { $regexMatch: { input: '$s', regex: 'a b c', options: 'x' } } }), [1]);
        assert.deepEqual(await findIds(e, { $expr: { $regexMatch: { input: '$s', regex: /B/i } } }), [1, 2, 3, 5]);
      });
      test('$regexFind and $regexFindAll: code point indexes, captures, empty matches', async () => {
        const find = { $regexFind: { input: '$s', regex: '([0-9])b' } };
        assert.deepEqual(await findIds(e, { $expr: { $eq: [find, { match: '1b', idx: 2, captures: ['1'] }] } }), [5]);
        const all = { $regexFindAll: { input: '$s', regex: '[0-9]+' } };
        const expected = [{ match: '1', idx: 2, captures: [] }, { match: '22', idx: 4, captures: [] }];
        assert.deepEqual(await findIds(e, { $expr: { $eq: [all, expected] } }), [5]);
        assert.deepEqual(await findIds(e, { $expr: { $eq: [{ $size: { $regexFindAll: { input: '$s', regex: 'x*' } } }, 3] } }), [1, 2]);
      });
    });

    describe('sort, skip, limit', () => {
      test('ascending sort follows BSON order across types; empty arrays before null and missing', async () => {
        const c = await seeded([
          { _id: 1, v: 'b' }, { _id: 2, v: i(3) }, { _id: 3, v: null }, { _id: 4 }, { _id: 5, v: { x: 1 } },
          { _id: 6, v: new ObjectId('000000000000000000000001') }, { _id: 7, v: true }, { _id: 8, v: new Date(0) },
          { _id: 9, v: d(-1.5) }, { _id: 10, v: l(2) }, { _id: 11, v: 'a' }, { _id: 12, v: [] }, { _id: 13, v: new MinKey() },
          { _id: 14, v: new MaxKey() },
        ]);
        assert.deepEqual(await findIds(c, {}, { sort: [['v', 1], ['_id', 1]] }), [13, 12, 3, 4, 9, 10, 2, 11, 1, 5, 6, 7, 8, 14]);
        assert.deepEqual(await findIds(c, {}, { sort: [['v', -1], ['_id', 1]] }), [14, 8, 7, 6, 5, 1, 11, 2, 10, 9, 3, 4, 12, 13]);
      });
      test('arrays sort by their smallest element ascending and their largest descending', async () => {
        const c = await seeded([{ _id: 1, v: [i(5), i(1)] }, { _id: 2, v: i(3) }, { _id: 3, v: [i(2), i(4)] }]);
        assert.deepEqual(await findIds(c, {}, { sort: [['v', 1]] }), [1, 3, 2]);
        assert.deepEqual(await findIds(c, {}, { sort: [['v', -1]] }), [1, 3, 2]);
      });
      test('compound and dotted sorts, then skip and limit', async () => {
        const docs = Array.from({ length: 20 }, (_, n) => ({ _id: n, g: i(n % 3), o: { h: i(20 - n) } }));
        const c = await seeded(docs);
        const all = await findIds(c, {}, { sort: [['g', -1], ['o.h', 1]] });
        assert.deepEqual(all, [17, 14, 11, 8, 5, 2, 19, 16, 13, 10, 7, 4, 1, 18, 15, 12, 9, 6, 3, 0]);
        assert.deepEqual(await findIds(c, {}, { sort: [['g', -1], ['o.h', 1]], skip: 5, limit: 4 }), all.slice(5, 9));
        assert.deepEqual(await findIds(c, { g: 1 }, { sort: [['_id', -1]], limit: 2 }), [19, 16]);
        assert.deepEqual(await findIds(c, {}, { sort: [['_id', 1]], skip: 18 }), [18, 19]);
        assert.deepEqual(await findIds(c, {}, { sort: [['_id', 1]], skip: 30 }), []);
      });
      test('without a sort, _id order is not promised, but skip and limit page a stable set', async () => {
        const c = await seeded(Array.from({ length: 7 }, (_, n) => ({ _id: n })));
        const page1 = await findIds(c, {}, { sort: [['_id', 1]], limit: 3 });
        const page2 = await findIds(c, {}, { sort: [['_id', 1]], skip: 3, limit: 3 });
        assert.deepEqual([...page1, ...page2], [0, 1, 2, 3, 4, 5]);
        assert.equal((await c.find({}, { limit: 4 })).length, 4);
      });
      test('findOne honours sort and skip', async () => {
        const c = await seeded([{ _id: 1, v: i(2) }, { _id: 2, v: i(1) }, { _id: 3, v: i(3) }]);
        assert.equal(numberOf((await c.findOne({}, { sort: [['v', 1]] }))!._id), 2);
        assert.equal(numberOf((await c.findOne({}, { sort: [['v', -1]], skip: 1 }))!._id), 1);
        assert.equal(await c.findOne({ v: 9 }), null);
      });
    });

    describe('projection', () => {
      let c: Collection;
      before(async () => {
        c = await seeded([{ _id: 1, a: i(1), b: { c: i(2), d: i(3) }, arr: [i(1), i(2), i(3), i(4)], x: 'y', list: [{ k: i(1) }, { k: i(2), z: i(1) }] }]);
      });
      const one = async (projection: Document) => (await c.find({}, { projection }))[0];

      test('inclusion keeps the document\'s field order and _id', async () => {
        assertExact(await one({ x: 1, a: 1 }), { _id: 1, a: i(1), x: 'y' });
        assertExact(await one({ a: true, _id: 0 }), { a: i(1) });
      });
      test('exclusion removes only the named fields', async () => {
        assertExact(await one({ arr: 0, b: 0, list: 0 }), { _id: 1, a: i(1), x: 'y' });
        assertExact(await one({ _id: 0, a: 0, b: 0, arr: 0, list: 0 }), { x: 'y' });
      });
      test('dotted paths include or exclude inside documents and arrays of documents', async () => {
        assertExact(await one({ 'b.d': 1, _id: 0 }), { b: { d: i(3) } });
        assertExact(await one({ 'b.c': 0, arr: 0, list: 0, a: 0, x: 0 }), { _id: 1, b: { d: i(3) } });
        assertExact(await one({ 'list.k': 1, _id: 0 }), { list: [{ k: i(1) }, { k: i(2) }] });
      });
      test('$slice: first n, last n, [skip, limit]', async () => {
        assertExact(await one({ arr: { $slice: 2 }, _id: 0, a: 0, b: 0, x: 0, list: 0 }), { arr: [i(1), i(2)] });
        assertExact(await one({ arr: { $slice: -1 }, _id: 0, a: 0, b: 0, x: 0, list: 0 }), { arr: [i(4)] });
        assertExact(await one({ arr: { $slice: [1, 2] }, _id: 0, a: 0, b: 0, x: 0, list: 0 }), { arr: [i(2), i(3)] });
        // alone, $slice is an exclusion-style projection: the other fields stay
        assertExact(await one({ arr: { $slice: 1 } }), { _id: 1, a: i(1), b: { c: i(2), d: i(3) }, arr: [i(1)], x: 'y', list: [{ k: i(1) }, { k: i(2), z: i(1) }] });
      });
      test('$elemMatch returns the first matching element', async () => {
        assertExact(await one({ list: { $elemMatch: { k: 2 } }, _id: 0 }), { list: [{ k: i(2), z: i(1) }] });
        assertExact(await one({ list: { $elemMatch: { k: 9 } }, _id: 0, x: 1 }), { x: 'y' });
      });
      test('mixing inclusion and exclusion is an error', async () => {
        await rejects(c.find({}, { projection: { a: 1, b: 0 } }), [31254, 31253]);
        await rejects(c.find({}, { projection: { a: 0, b: 1 } }), [31254, 31253]);
      });
    });

    // ---- writes -------------------------------------------------------------------------

    describe('inserts and the _id', () => {
      test('a missing _id becomes a new ObjectId, placed first; a given _id moves first', async () => {
        const c = coll();
        const { insertedId } = await c.insertOne({ a: i(1) });
        assert.ok(insertedId instanceof ObjectId);
        assertExact(await c.findOne({ _id: insertedId }), { _id: insertedId, a: i(1) });
        await c.insertOne({ b: i(2), _id: 'k' });
        assertExact(await c.findOne({ _id: 'k' }), { _id: 'k', b: i(2) });
      });
      test('_id of every allowed type; equal numbers are the same _id', async () => {
        const c = coll();
        const ids: unknown[] = [new ObjectId(), 'str', i(1), l(2), d(3.5), dec('4.5'), new Date(5), null, true, { k: 1, j: 'x' }, new Binary(Buffer.from('b'))];
        for (const id of ids) await c.insertOne({ _id: id, v: 'x' });
        for (const id of ids) {
          const found = await c.findOne({ _id: id });
          assert.ok(found, `document with _id ${String(id)}`);
          assertExact(found._id, id);
        }
        assert.ok(await c.findOne({ _id: d(1) }));
        assert.ok(await c.findOne({ _id: l(1) }));
        assert.ok(await c.findOne({ _id: 2 }));
        assert.ok(await c.findOne({ _id: { $in: [d(2), 'nope'] } }));
        await rejects(c.insertOne({ _id: d(1) }), 11000);
        await rejects(c.insertOne({ _id: l(1) }), 11000);
        await rejects(c.insertOne({ _id: null }), 11000);
        assert.equal(await c.countDocuments({}), ids.length);
      });
      test('_id sorts in BSON order across types', async () => {
        const c = await seeded([{ _id: true }, { _id: 'b' }, { _id: i(2) }, { _id: new Date(1) }, { _id: d(1.5) }, { _id: new ObjectId('000000000000000000000001') }, { _id: 'a' }]);
        const got = (await c.find({}, { sort: [['_id', 1]] })).map((x) => x._id);
        const sorted = [...got].sort(compareValues);
        assert.deepEqual(got.map(plain), sorted.map(plain));
        assert.deepEqual(got.map(plain), [1.5, 2, 'a', 'b', '000000000000000000000001', true, new Date(1)]);
      });
      test('an array or regex _id is refused', async () => {
        await rejects(coll().insertOne({ _id: [1, 2] }), 2);
        await rejects(coll().insertOne({ _id: /x/ }), [2, 53]);
      });
      test('a duplicate _id is DuplicateKey (11000)', async () => {
        const c = coll();
        await c.insertOne({ _id: 'x' });
        const e = await rejects(c.insertOne({ _id: 'x', a: 1 }), 11000);
        assert.match(e.message, /E11000 duplicate key error/);
      });
    });

    describe('BSON types survive a round trip exactly', () => {
      test('every type of the value model, nested, in key order', async () => {
        const c = coll();
        const doc: Document = {
          _id: new ObjectId(),
          int32: i(-7), int32max: i(2147483647), long: l('9007199254740993'), longSmall: l(5), double: d(1), doubleFrac: d(-0.25),
          doubleInf: d(Infinity), doubleNaN: d(Number.NaN), decimal: dec('1.10'), decimalBig: dec('12345678901234567890.123456789'),
          str: 'héllo ☃ \u{1F600}', empty: '', t: true, f: false, nil: null, date: new Date('2024-02-29T12:34:56.789Z'),
          oid: new ObjectId('5f1d7f0e0a0b0c0d0e0f1011'), bin: new Binary(Buffer.from([0, 1, 2, 255])),
          uuid: new UUID('0123456789abcdef0123456789abcdef'), ts: new Timestamp({ t: 1700000000, i: 7 }), min: new MinKey(), max: new MaxKey(),
          re: new BSONRegExp('a.b', 'i'), rx: new BSONRegExp('a b # c', 'mx'), code: new Code('function () { return 1; }'),
          nested: { z: i(1), a: [i(1), 'two', { three: d(3) }, [l(4)]], e: {} }, emptyArr: [],
        };
        await c.insertOne(doc);
        const back = await c.findOne({ _id: doc._id });
        assertExact(back, doc);
        assert.ok(Number.isNaN((back!.doubleNaN as Double).value));
        assert.equal((back!.long as Long).toString(), '9007199254740993');
        assert.equal((back!.decimal as Decimal128).toString(), '1.10');
        assert.equal((back!.re as BSONRegExp).options, 'i');
        assert.equal((back!.rx as BSONRegExp).options, 'mx');
        assert.deepEqual([...(back!.bin as Binary).buffer], [0, 1, 2, 255]);
        assert.equal((back!.uuid as Binary).sub_type, 4);
      });
      test('replaceOne and updates keep the types of untouched and written values', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, a: d(2), b: l(3), c: dec('4') });
        await c.updateOne({ _id: 1 }, { $set: { e: d(5), f: l(6) } });
        assertExact(await c.findOne({ _id: 1 }), { _id: 1, a: d(2), b: l(3), c: dec('4'), e: d(5), f: l(6) });
        await c.replaceOne({ _id: 1 }, { g: d(7), h: i(8) });
        assertExact(await c.findOne({ _id: 1 }), { _id: 1, g: d(7), h: i(8) });
      });
    });

    describe('updates', () => {
      const upd = async (doc: Document, update: Document | Document[], opts = {}) => {
        const c = coll();
        await c.insertOne(doc);
        const r = await c.updateOne({ _id: doc._id }, update, opts);
        return { r, doc: await c.findOne({ _id: doc._id }) };
      };

      test('$set, $unset; new fields are appended, existing ones keep their place', async () => {
        const { r, doc } = await upd({ _id: 1, a: i(1), b: i(2), c: i(3) }, { $set: { z: i(9), a: 'x', 'n.m': true }, $unset: { b: '' } });
        assert.deepEqual([r.matchedCount, r.modifiedCount, r.upsertedCount, r.upsertedId], [1, 1, 0, null]);
        assertExact(doc, { _id: 1, a: 'x', c: i(3), n: { m: true }, z: i(9) });
      });
      test('$inc and $mul keep MongoDB\'s numeric types (int + int = int, overflow to long, double wins)', async () => {
        const { doc } = await upd(
          { _id: 1, a: i(1), b: i(2147483647), c: i(1), dd: l(5), e: i(3) },
          { $inc: { a: i(2), b: i(1), c: d(0.5), dd: i(1), n: i(4) }, $mul: { e: i(2), m: d(2) } },
        );
        assertExact(doc, { _id: 1, a: i(3), b: l(2147483648), c: d(1.5), dd: l(6), e: i(6), m: d(0), n: i(4) });
      });
      test('$min, $max, $rename, $currentDate', async () => {
        const { doc } = await upd({ _id: 1, lo: i(5), hi: i(5), old: 'v' }, { $min: { lo: i(3) }, $max: { hi: i(2) }, $rename: { old: 'renamed' }, $currentDate: { at: true } });
        assert.ok(doc!.at instanceof Date);
        assertExact({ ...doc, at: null }, { _id: 1, lo: i(3), hi: i(5), at: null, renamed: 'v' });
      });
      test('array operators: $push with modifiers, $addToSet, $pop, $pull, $pullAll', async () => {
        const { doc } = await upd(
          { _id: 1, p: [i(3), i(1)], s: ['a'], q: [i(1), i(2), i(3)], r: [i(1), i(5), i(8)], t: [i(1), i(2), i(1), i(3)] },
          {
            $push: { p: { $each: [i(2), i(9)], $sort: 1, $slice: 3 } },
            $addToSet: { s: { $each: ['a', 'b'] } },
            $pop: { q: -1 },
            $pull: { r: { $gte: 5 } },
            $pullAll: { t: [i(1), i(3)] },
          },
        );
        assertExact(doc, { _id: 1, p: [i(1), i(2), i(3)], s: ['a', 'b'], q: [i(2), i(3)], r: [i(1)], t: [i(2)] });
        const pos = await upd({ _id: 2, p: [i(1), i(2)] }, { $push: { p: { $each: [i(0)], $position: 0 } } });
        assertExact(pos.doc, { _id: 2, p: [i(0), i(1), i(2)] });
      });
      test('$bit', async () => {
        const { doc } = await upd({ _id: 1, f: i(5) }, { $bit: { f: { and: i(4), or: i(2) } } });
        assertExact(doc, { _id: 1, f: i(6) });
      });
      test('positional $, $[] and $[identifier] with arrayFilters', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, g: [i(80), i(95), i(100)], items: [{ k: 'a', n: i(1) }, { k: 'b', n: i(2) }] });
        await c.updateOne({ _id: 1, g: 95 }, { $set: { 'g.$': i(96) } });
        await c.updateOne({ _id: 1 }, { $inc: { 'items.$[].n': i(10) } });
        await c.updateOne({ _id: 1 }, { $set: { 'g.$[big]': i(0) } }, { arrayFilters: [{ big: { $gte: 96 } }] });
        await c.updateOne({ _id: 1 }, { $set: { 'items.$[it].k': 'B' } }, { arrayFilters: [{ 'it.k': 'b' }] });
        assertExact(await c.findOne({ _id: 1 }), { _id: 1, g: [i(80), i(0), i(0)], items: [{ k: 'a', n: i(11) }, { k: 'B', n: i(12) }] });
      });
      test('pipeline updates compute from the document', async () => {
        const { doc } = await upd({ _id: 1, a: i(2), b: i(3) }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }]);
        assertExact(doc, { _id: 1, a: i(2), sum: i(5) });
      });
      test('a no-op update matches without modifying', async () => {
        const { r } = await upd({ _id: 1, a: i(1) }, { $set: { a: i(1) } });
        assert.deepEqual([r.matchedCount, r.modifiedCount], [1, 0]);
      });
      test('updateMany and updateOne counts; no match updates nothing', async () => {
        const c = await seeded([{ _id: 1, g: 'a' }, { _id: 2, g: 'a' }, { _id: 3, g: 'b' }]);
        const many = await c.updateMany({ g: 'a' }, { $set: { seen: true } });
        assert.deepEqual([many.matchedCount, many.modifiedCount], [2, 2]);
        const one = await c.updateOne({ g: 'a' }, { $set: { once: true } });
        assert.deepEqual([one.matchedCount, one.modifiedCount], [1, 1]);
        const none = await c.updateMany({ g: 'z' }, { $set: { seen: true } });
        assert.deepEqual([none.matchedCount, none.modifiedCount, none.upsertedCount, none.upsertedId], [0, 0, 0, null]);
        assert.equal(await c.countDocuments({ seen: true }), 2);
        assert.equal(await c.countDocuments({ once: true }), 1);
      });
      test('replaceOne keeps _id first and the replacement\'s order; a different _id is ImmutableField (66)', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, a: 1 });
        const r = await c.replaceOne({ _id: 1 }, { z: i(1), b: i(2), _id: 1 });
        assert.deepEqual([r.matchedCount, r.modifiedCount], [1, 1]);
        assertExact(await c.findOne({ _id: 1 }), { _id: 1, z: i(1), b: i(2) });
        await rejects(c.replaceOne({ _id: 1 }, { _id: 2, a: 1 }), 66);
      });
      test('changing _id by an update is ImmutableField (66); equal values are allowed', async () => {
        const c = coll();
        await c.insertOne({ _id: i(1), a: 1 });
        await rejects(c.updateOne({ _id: 1 }, { $set: { _id: 2 } }), 66);
        await rejects(c.updateOne({ _id: 1 }, { $unset: { _id: '' } }), 66);
        await c.updateOne({ _id: 1 }, { $set: { _id: i(1), a: 2 } });
        assert.equal(numberOf((await c.findOne({ _id: 1 }))!.a), 2);
      });
      test('update errors: unknown modifier (9), conflicting paths (40), $inc on a string (14)', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, s: 'x', a: { b: 1 } });
        await rejects(c.updateOne({ _id: 1 }, { $foo: { a: 1 } }), 9);
        await rejects(c.updateOne({ _id: 1 }, { $set: { a: 1 }, $unset: { a: '' } }), 40);
        await rejects(c.updateOne({ _id: 1 }, { $set: { 'a.b': 1, a: 2 } }), 40);
        await rejects(c.updateOne({ _id: 1 }, { $inc: { s: 1 } }), 14);
        assertExact(await c.findOne({ _id: 1 }), { _id: 1, s: 'x', a: { b: 1 } });
      });
    });

    describe('upserts', () => {
      test('the new document is seeded from the filter\'s equality fields, then updated', async () => {
        const c = coll();
        const r = await c.updateOne({ a: i(1), b: { $gt: 2 }, 'c.d': 'x', e: { $eq: true } }, { $set: { f: i(2) }, $setOnInsert: { g: i(3) } }, { upsert: true });
        assert.deepEqual([r.matchedCount, r.modifiedCount, r.upsertedCount], [0, 0, 1]);
        assert.ok(r.upsertedId instanceof ObjectId);
        const doc = await c.findOne({ _id: r.upsertedId });
        assert.deepEqual(Object.keys(doc!)[0], '_id');
        assert.deepEqual(plain({ ...doc, _id: 0 }), { _id: 0, a: 1, c: { d: 'x' }, e: true, f: 2, g: 3 });
        assert.equal(doc!.b, undefined);
      });
      test('an _id in the filter becomes the document\'s _id, of its exact type', async () => {
        const c = coll();
        const r1 = await c.updateOne({ _id: l(7) }, { $set: { a: 1 } }, { upsert: true });
        assertExact(r1.upsertedId, l(7));
        const r2 = await c.updateOne({ _id: d(8) }, { $inc: { n: i(1) } }, { upsert: true });
        assertExact(r2.upsertedId, d(8));
        const r3 = await c.updateOne({ _id: 'k', $and: [{ z: i(1) }] }, { $set: { a: 1 } }, { upsert: true });
        assertExact(r3.upsertedId, 'k');
        assertExact(await c.findOne({ _id: 'k' }), { _id: 'k', z: i(1), a: i(1) });
        assertExact(await c.findOne({ _id: 8 }), { _id: d(8), n: i(1) });
      });
      test('an upsert that matches updates instead, and $setOnInsert is ignored then', async () => {
        const c = coll();
        await c.insertOne({ _id: 1, a: i(1) });
        const r = await c.updateOne({ a: 1 }, { $set: { b: i(2) }, $setOnInsert: { c: i(3) } }, { upsert: true });
        assert.deepEqual([r.matchedCount, r.modifiedCount, r.upsertedCount, r.upsertedId], [1, 1, 0, null]);
        assertExact(await c.findOne({ _id: 1 }), { _id: 1, a: i(1), b: i(2) });
      });
      test('replaceOne upsert: the filter\'s _id, the replacement\'s fields', async () => {
        const c = coll();
        const r = await c.replaceOne({ _id: 'r', ignored: 1 }, { a: i(1) }, { upsert: true });
        assert.equal(r.upsertedCount, 1);
        assertExact(r.upsertedId, 'r');
        assertExact(await c.findOne({ _id: 'r' }), { _id: 'r', a: i(1) });
      });
      test('updateMany upsert inserts one document', async () => {
        const c = coll();
        const r = await c.updateMany({ k: 'x' }, { $set: { v: i(1) } }, { upsert: true });
        assert.equal(r.upsertedCount, 1);
        assert.equal(await c.countDocuments({ k: 'x', v: 1 }), 1);
      });
      test('pipeline update upsert', async () => {
        const c = coll();
        const r = await c.updateOne({ _id: 'p' }, [{ $set: { n: { $literal: i(1) } } }], { upsert: true });
        assertExact(r.upsertedId, 'p');
        assertExact(await c.findOne({ _id: 'p' }), { _id: 'p', n: i(1) });
      });
    });

    describe('deletes', () => {
      test('deleteOne and deleteMany counts', async () => {
        const c = await seeded([{ _id: 1, g: 'a' }, { _id: 2, g: 'a' }, { _id: 3, g: 'a' }, { _id: 4, g: 'b' }]);
        assert.equal((await c.deleteOne({ g: 'a' })).deletedCount, 1);
        assert.equal((await c.deleteMany({ g: 'a' })).deletedCount, 2);
        assert.equal((await c.deleteMany({ g: 'z' })).deletedCount, 0);
        assert.deepEqual(await findIds(c, {}), [4]);
        assert.equal((await c.deleteMany({})).deletedCount, 1);
        assert.equal(await c.countDocuments({}), 0);
      });
      test('deleting from a missing collection deletes nothing', async () => {
        assert.equal((await coll().deleteMany({})).deletedCount, 0);
        assert.equal((await coll().deleteOne({ _id: 1 })).deletedCount, 0);
      });
    });

    describe('bulkWrite (unordered)', () => {
      test('counts, insertedIds and upsertedIds by operation index', async () => {
        const c = await seeded([{ _id: 1, n: i(0) }, { _id: 2, n: i(0) }, { _id: 3, n: i(0) }]);
        const r = await c.bulkWrite([
          { insertOne: { document: { _id: 10 } } },
          { insertOne: { document: { a: 1 } } },
          { updateOne: { filter: { _id: 1 }, update: { $inc: { n: i(1) } } } },
          { updateMany: { filter: { _id: { $in: [2, 3] } }, update: { $set: { n: i(0) } } } },
          { replaceOne: { filter: { _id: 3 }, replacement: { n: i(5) } } },
          { updateOne: { filter: { _id: 'u1' }, update: { $set: { n: i(1) } }, upsert: true } },
          { replaceOne: { filter: { _id: 'u2' }, replacement: { n: i(2) }, upsert: true } },
          { deleteOne: { filter: { _id: 2 } } },
          { deleteMany: { filter: { _id: { $in: [100, 101] } } } },
        ]);
        assert.equal(r.insertedCount, 2);
        assert.equal(r.matchedCount, 4);
        assert.equal(r.modifiedCount, 2);
        assert.equal(r.deletedCount, 1);
        assert.equal(r.upsertedCount, 2);
        assert.deepEqual([...r.insertedIds.keys()].sort(), [0, 1]);
        assert.ok(valuesEqual(r.insertedIds.get(0), 10));
        assert.ok(r.insertedIds.get(1) instanceof ObjectId);
        assert.ok(await c.findOne({ _id: r.insertedIds.get(1) }));
        assert.deepEqual([...r.upsertedIds.entries()].sort(), [[5, 'u1'], [6, 'u2']]);
        assert.deepEqual(r.writeErrors, []);
        assert.equal(await c.countDocuments({}), 6);
      });
      test('write errors are reported by index with their code; the other operations still run', async () => {
        const c = await seeded([{ _id: 1 }]);
        const r = await c.bulkWrite([
          { insertOne: { document: { _id: 1 } } },
          { insertOne: { document: { _id: 2 } } },
          { updateOne: { filter: { _id: 1 }, update: { $set: { _id: 5 } } } },
          { insertOne: { document: { _id: 3 } } },
          { updateOne: { filter: { _id: 2 }, update: { $foo: { a: 1 } } } },
          { insertOne: { document: { _id: 2 } } },
        ]);
        assert.equal(r.insertedCount, 2);
        assert.deepEqual([...r.insertedIds.keys()].sort(), [1, 3]);
        assert.deepEqual(r.writeErrors.map((w) => [w.index, w.code]), [[0, 11000], [2, 66], [4, 9], [5, 11000]]);
        for (const w of r.writeErrors) assert.equal(typeof w.message, 'string');
        assert.deepEqual(await findIds(c, {}, { sort: [['_id', 1]] }), [1, 2, 3]);
      });
      test('an upserted numeric _id keeps its exact type', async () => {
        const c = coll();
        const r = await c.bulkWrite([{ updateOne: { filter: { _id: d(4) }, update: { $set: { a: 1 } }, upsert: true } }]);
        assertExact(r.upsertedIds.get(0), d(4));
      });
    });

    describe('counts', () => {
      test('countDocuments with and without a filter, estimatedDocumentCount', async () => {
        const c = await seeded([{ _id: 1, a: 1 }, { _id: 2, a: 2 }, { _id: 3, a: 2 }]);
        assert.equal(await c.countDocuments({}), 3);
        assert.equal(await c.countDocuments({ a: 2 }), 2);
        assert.equal(await c.countDocuments({ a: { $gt: 5 } }), 0);
        assert.equal(await c.estimatedDocumentCount(), 3);
      });
      test('a missing collection counts 0', async () => {
        const c = coll();
        assert.equal(await c.countDocuments({}), 0);
        assert.equal(await c.countDocuments({ a: 1 }), 0);
        assert.equal(await c.estimatedDocumentCount(), 0);
      });
    });

    describe('aggregate', () => {
      test('$match, $group, $sort, $project', async () => {
        const c = await seeded([{ _id: 1, g: 'a', n: i(1) }, { _id: 2, g: 'b', n: i(2) }, { _id: 3, g: 'a', n: i(3) }]);
        const out = await c.aggregate([
          { $match: { n: { $gte: 1 } } },
          { $group: { _id: '$g', total: { $sum: '$n' }, count: { $sum: 1 } } },
          { $sort: { _id: 1 } },
          { $project: { _id: 0, g: '$_id', total: 1, count: 1 } },
        ]);
        assert.deepEqual(out.map(plain), [{ total: 4, count: 2, g: 'a' }, { total: 2, count: 1, g: 'b' }]);
      });
      test('on a missing collection, no documents', async () => {
        assert.deepEqual(await coll().aggregate([{ $match: {} }]), []);
      });
    });

    // ---- metadata -----------------------------------------------------------------------

    describe('databases and collections', () => {
      test('a write creates the collection and its database; reads create nothing', async () => {
        const name = dbName('meta1');
        const db = engine.db(name);
        await db.collection('ghost').find({});
        await db.collection('ghost').countDocuments({});
        await db.collection('ghost').findOne({ _id: 1 });
        assert.deepEqual(await db.listCollections(), []);
        assert.ok(!(await engine.listDatabases()).includes(name));
        await db.collection('c1').insertOne({ _id: 1 });
        assert.deepEqual(await db.listCollections(), ['c1']);
        assert.ok((await engine.listDatabases()).includes(name));
      });
      test('createCollection makes an empty collection, and again is a no-op', async () => {
        const db = engine.db(dbName('meta2'));
        await db.createCollection('a');
        await db.createCollection('b');
        await db.createCollection('a');
        assert.deepEqual((await db.listCollections()).sort(), ['a', 'b']);
        assert.equal(await db.collection('a').countDocuments({}), 0);
      });
      test('dropCollection says whether it existed and removes documents and indexes', async () => {
        const db = engine.db(dbName('meta3'));
        const c = db.collection('a');
        await c.insertOne({ _id: 1, k: 1 });
        await c.createIndex({ name: 'k_1', key: { k: 1 }, unique: true });
        await db.collection('b').insertOne({ _id: 1 });
        assert.equal(await db.dropCollection('a'), true);
        assert.equal(await db.dropCollection('a'), false);
        assert.equal(await db.dropCollection('never'), false);
        assert.deepEqual(await db.listCollections(), ['b']);
        assert.equal(await c.countDocuments({}), 0);
        await c.insertOne({ _id: 1, k: 1 });
        assert.deepEqual((await c.listIndexes()).map((x) => x.name), ['_id_']);
      });
      test('dropDatabase removes every collection and the database', async () => {
        const name = dbName('meta4');
        const db = engine.db(name);
        await db.collection('a').insertOne({ _id: 1 });
        await db.collection('b').insertOne({ _id: 1 });
        await db.dropDatabase();
        assert.deepEqual(await db.listCollections(), []);
        assert.ok(!(await engine.listDatabases()).includes(name));
        assert.equal(await db.collection('a').countDocuments({}), 0);
        await engine.db(dbName('never')).dropDatabase();
      });
      test('the same collection name in two databases is two collections', async () => {
        const a = engine.db(dbName('meta5')).collection('x');
        const b = engine.db(dbName('meta6')).collection('x');
        await a.insertOne({ _id: 1 });
        assert.equal(await b.countDocuments({}), 0);
        assert.equal(a.dbName, dbName('meta5'));
        assert.equal(a.name, 'x');
      });
      test('ping answers', async () => {
        await engine.ping();
      });
    });

    // ---- indexes ------------------------------------------------------------------------

    describe('secondary indexes', () => {
      const names = async (c: Collection) => (await c.listIndexes()).map((x) => x.name);

      test('listIndexes: the _id index first, then each index as {v, key, name, options}', async () => {
        const c = coll();
        await c.insertOne({ _id: 1 });
        const [idIndex] = await c.listIndexes();
        assert.deepEqual(plain(idIndex), { v: 2, key: { _id: 1 }, name: '_id_' });
        assert.deepEqual(Object.keys(idIndex!), ['v', 'key', 'name']);
        await c.createIndex({ name: 'ab', key: { a: 1, b: -1 }, unique: true });
        await c.createIndex({ name: 'sp', key: { s: 1 }, sparse: true });
        await c.createIndex({ name: 'pf', key: { p: 1 }, partialFilterExpression: { p: { $gt: 5 } } });
        await c.createIndex({ name: 'ttl', key: { at: 1 }, expireAfterSeconds: 3600 });
        const list = await c.listIndexes();
        assert.deepEqual(list.map((x) => x.name), ['_id_', 'ab', 'sp', 'pf', 'ttl']);
        for (const x of list) assert.deepEqual(Object.keys(x).slice(0, 3), ['v', 'key', 'name']);
        const byName = new Map(list.map((x) => [x.name, plain(x) as Document]));
        assert.deepEqual(byName.get('ab'), { v: 2, key: { a: 1, b: -1 }, name: 'ab', unique: true });
        assert.deepEqual(Object.keys(byName.get('ab')!.key as Document), ['a', 'b']);
        assert.deepEqual(byName.get('sp'), { v: 2, key: { s: 1 }, name: 'sp', sparse: true });
        assert.deepEqual(byName.get('pf'), { v: 2, key: { p: 1 }, name: 'pf', partialFilterExpression: { p: { $gt: 5 } } });
        assert.deepEqual(byName.get('ttl'), { v: 2, key: { at: 1 }, name: 'ttl', expireAfterSeconds: 3600 });
      });
      test('a missing collection has no indexes', async () => {
        assert.deepEqual(await coll().listIndexes(), []);
      });
      test('createIndex on a missing collection creates it', async () => {
        const db = engine.db(dbName('ix1'));
        await db.collection('fresh').createIndex({ name: 'a_1', key: { a: 1 } });
        assert.deepEqual(await db.listCollections(), ['fresh']);
        assert.deepEqual(await names(db.collection('fresh')), ['_id_', 'a_1']);
      });
      test('creating the same index again is a no-op; conflicts are 85 (same key) and 86 (same name)', async () => {
        const c = coll();
        await c.createIndex({ name: 'a_1', key: { a: 1 } });
        await c.createIndex({ name: 'a_1', key: { a: 1 } });
        await rejects(c.createIndex({ name: 'other', key: { a: 1 } }), 85);
        await rejects(c.createIndex({ name: 'a_1', key: { b: 1 } }), 86);
        assert.deepEqual(await names(c), ['_id_', 'a_1']);
      });
      test('unique: violations on insert, update, replace and bulk are DuplicateKey (11000)', async () => {
        const c = coll();
        await c.createIndex({ name: 'u', key: { u: 1 }, unique: true });
        await c.insertOne({ _id: 1, u: i(1) });
        await c.insertOne({ _id: 2, u: i(2) });
        const e = await rejects(c.insertOne({ _id: 3, u: d(1) }), 11000);
        assert.match(e.message, /E11000 duplicate key error/);
        await rejects(c.updateOne({ _id: 2 }, { $set: { u: l(1) } }), 11000);
        await rejects(c.replaceOne({ _id: 2 }, { u: 1 }), 11000);
        const r = await c.bulkWrite([{ insertOne: { document: { _id: 4, u: i(4) } } }, { insertOne: { document: { _id: 5, u: i(4) } } }]);
        assert.deepEqual(r.writeErrors.map((w) => [w.index, w.code]), [[1, 11000]]);
        assert.deepEqual(await findIds(c, {}, { sort: [['_id', 1]] }), [1, 2, 4]);
        assertExact((await c.findOne({ _id: 2 }))!.u, i(2));
      });
      test('unique: missing fields count as null, so only one document may lack the field', async () => {
        const c = coll();
        await c.createIndex({ name: 'u', key: { u: 1 }, unique: true });
        await c.insertOne({ _id: 1 });
        await rejects(c.insertOne({ _id: 2 }), 11000);
        await rejects(c.insertOne({ _id: 3, u: null }), 11000);
      });
      test('unique on existing duplicates fails and leaves no index', async () => {
        const c = await seeded([{ _id: 1, u: 1 }, { _id: 2, u: 1 }]);
        await rejects(c.createIndex({ name: 'u', key: { u: 1 }, unique: true }), 11000);
        assert.deepEqual(await names(c), ['_id_']);
      });
      test('unique sparse: documents without the field are not indexed', async () => {
        const c = coll();
        await c.createIndex({ name: 'u', key: { u: 1 }, unique: true, sparse: true });
        await c.insertOne({ _id: 1 });
        await c.insertOne({ _id: 2 });
        await c.insertOne({ _id: 3, u: 1 });
        await rejects(c.insertOne({ _id: 4, u: 1 }), 11000);
      });
      test('unique partialFilterExpression: only matching documents are constrained', async () => {
        const c = coll();
        await c.createIndex({ name: 'u', key: { u: 1 }, unique: true, partialFilterExpression: { active: true } });
        await c.insertOne({ _id: 1, u: 1, active: false });
        await c.insertOne({ _id: 2, u: 1, active: false });
        await c.insertOne({ _id: 3, u: 1, active: true });
        await rejects(c.insertOne({ _id: 4, u: 1, active: true }), 11000);
        await rejects(c.updateOne({ _id: 1 }, { $set: { active: true } }), 11000);
      });
      test('unique compound: the combination must be unique', async () => {
        const c = coll();
        await c.createIndex({ name: 'ab', key: { a: 1, b: 1 }, unique: true });
        await c.insertOne({ _id: 1, a: 1, b: 1 });
        await c.insertOne({ _id: 2, a: 1, b: 2 });
        await c.insertOne({ _id: 3, a: 2, b: 1 });
        await rejects(c.insertOne({ _id: 4, a: 1, b: 1 }), 11000);
      });
      test('unique on an array field: each element is a key, across documents', async () => {
        const c = coll();
        await c.createIndex({ name: 't', key: { t: 1 }, unique: true });
        await c.insertOne({ _id: 1, t: ['a', 'b'] });
        await c.insertOne({ _id: 2, t: ['c', 'c'] });
        await rejects(c.insertOne({ _id: 3, t: ['x', 'b'] }), 11000);
      });
      test('dropIndex removes the constraint; unknown names are IndexNotFound (27)', async () => {
        const c = coll();
        await c.createIndex({ name: 'u', key: { u: 1 }, unique: true });
        await c.insertOne({ _id: 1, u: 1 });
        await c.dropIndex('u');
        await c.insertOne({ _id: 2, u: 1 });
        assert.deepEqual(await names(c), ['_id_']);
        await rejects(c.dropIndex('u'), 27);
      });
      test('dropIndex on a missing collection is NamespaceNotFound (26)', async () => {
        await rejects(coll().dropIndex('x'), 26);
      });

      describe('planner: results are the same with and without an index', () => {
        const values: unknown[] = [
          i(1), i(2), l(3), d(3), d(4.5), dec('6'), i(-1), 'a', 'b', 'ab', '', null, true, false, new Date(1000), new Date(2000),
          new ObjectId('000000000000000000000001'), [i(1), i(5)], ['b', i(2)], [], { x: 1 }, [{ x: 1 }],
        ];
        const docs: Document[] = [];
        for (let n = 0; n < 120; n++) {
          const doc: Document = { _id: n, b: i(n % 4) };
          if (n % 23 !== 0) doc.a = values[n % values.length];
          if (n % 5 === 0) doc.o = { p: values[(n * 7) % values.length] };
          docs.push(doc);
        }
        let plainColl: Collection;
        let indexed: Collection;
        before(async () => {
          plainColl = await seeded(docs);
          indexed = await seeded(docs);
          await indexed.createIndex({ name: 'a_1', key: { a: 1 } });
          await indexed.createIndex({ name: 'a_b', key: { a: 1, b: -1 } });
          await indexed.createIndex({ name: 'b_-1', key: { b: -1 } });
          await indexed.createIndex({ name: 'op', key: { 'o.p': 1 } });
          await indexed.createIndex({ name: 'a_sparse', key: { a: -1 }, sparse: true });
        });
        const filters: Document[] = [
          { a: 1 }, { a: d(3) }, { a: 'b' }, { a: null }, { a: true }, { a: [] }, { a: { x: 1 } }, { a: new Date(1000) },
          { a: { $gt: 1 } }, { a: { $gte: 1, $lt: 4.5 } }, { a: { $lte: 'ab' } }, { a: { $gt: new Date(0) } }, { a: { $lt: 0 } },
          { a: { $in: [1, 'a', null] } }, { a: { $in: [] } }, { a: { $nin: [1, 2] } }, { a: { $ne: 2 } }, { a: { $exists: false } },
          { a: 2, b: 2 }, { a: { $gt: 0 }, b: { $in: [1, 3] } }, { b: { $gte: 2 } }, { 'o.p': 'a' }, { 'o.p': { $gte: 2 } },
          { $and: [{ a: { $gte: 1 } }, { a: { $lte: 3 } }] }, { $or: [{ a: 1 }, { b: 0 }] }, { a: /^a/ }, { a: { $elemMatch: { $gt: 2 } } },
          { a: 5 }, { 'a.x': 1 }, { a: { $type: 'string' } }, {},
        ];
        const sorts: Array<Array<[string, 1 | -1]>> = [[['a', 1], ['_id', 1]], [['a', -1], ['_id', 1]], [['b', -1], ['_id', -1]], [['a', 1], ['b', -1], ['_id', 1]]];

        test('filters alone (as sets)', async () => {
          for (const f of filters) {
            const want = (await findIds(plainColl, f)).sort();
            assert.deepEqual((await findIds(indexed, f)).sort(), want, `filter ${JSON.stringify(plain(f))}`);
            assert.equal(await indexed.countDocuments(f), want.length, `count ${JSON.stringify(plain(f))}`);
          }
        });
        test('filters with sorts, skip and limit (in order)', async () => {
          for (const f of filters) {
            for (const sort of sorts) {
              for (const [skip, limit] of [[0, 0], [0, 5], [3, 7]] as const) {
                const opts = { sort, skip, limit };
                const want = await findIds(plainColl, f, opts);
                assert.deepEqual(await findIds(indexed, f, opts), want, `filter ${JSON.stringify(plain(f))} sort ${JSON.stringify(sort)} ${skip}/${limit}`);
              }
            }
          }
        });
        test('sorts without a tie-breaker give the same sequence of sort values', async () => {
          const keySorts: Array<Array<[string, 1 | -1]>> = [[['a', 1]], [['a', -1]], [['a', 1], ['b', -1]], [['a', -1], ['b', 1]], [['b', -1]], [['o.p', 1]]];
          // MongoDB's sort key of a top-level value: missing is null, an array its least (or greatest) element
          const sortKey = (v: unknown, dir: 1 | -1): unknown => {
            if (v === undefined) return null;
            if (!Array.isArray(v)) return plain(v);
            if (v.length === 0) return '<empty array>';
            return plain([...v].sort((x, y) => dir * compareValues(x, y))[0]);
          };
          const valuesOf = (docs: Document[], sort: Array<[string, 1 | -1]>) =>
            docs.map((doc) => sort.map(([f, dir]) => sortKey(f === 'o.p' ? (doc.o as Document | undefined)?.p : doc[f], dir)));
          for (const f of filters) {
            for (const sort of keySorts) {
              for (const [skip, limit] of [[0, 0], [2, 9]] as const) {
                const opts = { sort, skip, limit };
                const want = valuesOf(await plainColl.find(f, opts), sort);
                assert.deepEqual(valuesOf(await indexed.find(f, opts), sort), want, `filter ${JSON.stringify(plain(f))} sort ${JSON.stringify(sort)} ${skip}/${limit}`);
              }
            }
          }
        });
        test('hints by name and by key pattern give the same results', async () => {
          for (const f of filters.filter((x) => !('$or' in x))) {
            const want = (await findIds(plainColl, f)).sort();
            for (const hint of ['a_1', { a: 1, b: -1 }, 'b_-1', { $natural: 1 }, '_id_']) {
              assert.deepEqual((await findIds(indexed, f, { hint })).sort(), want, `filter ${JSON.stringify(plain(f))} hint ${JSON.stringify(hint)}`);
            }
            const sorted = await findIds(plainColl, f, { sort: [['a', 1], ['_id', 1]] });
            assert.deepEqual(await findIds(indexed, f, { sort: [['a', 1], ['_id', 1]], hint: 'a_1' }), sorted);
          }
        });
        test('a hint that names no index is BadValue (2)', async () => {
          await rejects(indexed.find({}, { hint: 'nope' }), 2);
          await rejects(indexed.find({}, { hint: { zz: 1 } }), 2);
        });
        test('the index follows writes (update, replace, delete)', async () => {
          const c = await seeded(docs.slice(0, 30));
          await c.createIndex({ name: 'a_1', key: { a: 1 } });
          await c.updateMany({ b: 1 }, { $set: { a: i(77) } });
          await c.replaceOne({ _id: 2 }, { a: i(77) });
          await c.deleteMany({ _id: { $in: [1, 5] } });
          const want = (await c.find({ a: 77 }, { hint: { $natural: 1 } })).map((x) => x._id).map(plain).sort();
          assert.deepEqual((await findIds(c, { a: 77 }, { hint: 'a_1' })).sort(), want);
          assert.deepEqual((await findIds(c, { a: 77 })).sort(), want);
          assert.ok(want.includes(2) && !want.includes(1) && !want.includes(5));
        });
      });
    });
  });
}
