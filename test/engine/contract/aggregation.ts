// The engine contract's aggregation section: Collection.aggregate on every engine (run by
// embedded.test.ts, wire.test.ts and mongodb.test.ts next to engineContract). It asserts MongoDB's
// behaviour: stage semantics, BSON types through the pipeline, $lookup and friends, $out/$merge,
// time limits and errors.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Collection, Engine } from '../../../src/engine/types.ts';
import {
  Decimal128, Double, Int32, Long, ObjectId, isNumeric, isPlainObject, numberOf, type Document,
} from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { CONTRACT_DB_PREFIX, shape, type EngineUnderTest } from './contract.ts';

const i = (n: number) => new Int32(n);
const d = (n: number) => new Double(n);
const l = (n: number) => Long.fromNumber(n);

function plain(v: unknown): unknown {
  if (isNumeric(v)) return numberOf(v);
  if (v instanceof ObjectId) return v.toHexString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

async function fails(p: Promise<unknown>, codes: number[], message?: RegExp): Promise<EngineError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EngineError, `expected an EngineError, got ${String(caught)}`);
  assert.ok(codes.includes(caught.code), `expected code ${codes.join(' or ')}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

const SALES = [
  { _id: 1, region: 'EU', item: 'a', qty: i(2), price: d(10), day: new Date('2024-01-01T10:00:00Z') },
  { _id: 2, region: 'US', item: 'b', qty: i(1), price: d(20.5), day: new Date('2024-01-02T10:00:00Z') },
  { _id: 3, region: 'EU', item: 'b', qty: i(5), price: d(20.5), day: new Date('2024-01-02T12:00:00Z') },
  { _id: 4, region: 'US', item: 'a', qty: i(3), price: d(10), day: new Date('2024-01-04T10:00:00Z') },
  { _id: 5, region: 'APAC', item: 'c', qty: i(4), price: d(7.25), day: new Date('2024-01-05T10:00:00Z') },
];

export function aggregationContract(name: string, make: () => Promise<EngineUnderTest>): void {
  describe(`engine contract, aggregation: ${name}`, () => {
    let engine: Engine;
    let cleanup: (() => Promise<void>) | undefined;
    const db = `${CONTRACT_DB_PREFIX}${randomBytes(4).toString('hex')}_aggr`;
    let seq = 0;
    const coll = (): Collection => engine.db(db).collection(`a${++seq}`);
    const seeded = async (docs: Document[]): Promise<Collection> => {
      const c = coll();
      if (docs.length) await c.bulkWrite(docs.map((document) => ({ insertOne: { document } })));
      else await engine.db(db).createCollection(c.name);
      return c;
    };
    let sales: Collection;

    before(async () => {
      ({ engine, cleanup } = await make());
      sales = await seeded(SALES);
    });
    after(async () => {
      if (!engine) return;
      await engine.db(db).dropDatabase().catch(() => undefined);
      await cleanup?.();
    });

    describe('stages', () => {
      test('$match, $group, $sort, $project', async () => {
        const out = await sales.aggregate([
          { $match: { qty: { $gte: 2 } } },
          { $group: { _id: '$region', total: { $sum: '$qty' }, n: { $sum: 1 } } },
          { $sort: { _id: 1 } },
          { $project: { _id: 0, region: '$_id', total: 1, n: 1 } },
        ]);
        assert.deepEqual(out.map(plain), [{ total: 4, n: 1, region: 'APAC' }, { total: 7, n: 2, region: 'EU' }, { total: 3, n: 1, region: 'US' }]);
      });
      test('a leading $match, $sort, $skip and $limit alone', async () => {
        const out = await sales.aggregate([{ $match: { price: { $gt: 8 } } }, { $sort: { qty: -1 } }, { $skip: 1 }, { $limit: 2 }]);
        assert.deepEqual(out.map((x) => plain(x._id)), [4, 1]);
        assert.deepEqual((await sales.aggregate([{ $limit: 3 }, { $skip: 1 }, { $sort: { _id: 1 } }])).length, 2);
        assert.deepEqual(await sales.aggregate([{ $match: { region: 'nowhere' } }]), []);
      });
      test('$unwind, $addFields, $set, $unset, $replaceRoot, $count', async () => {
        const c = await seeded([{ _id: 1, tags: ['x', 'y'], n: i(1) }, { _id: 2, tags: ['y'], n: i(2) }, { _id: 3, tags: [], n: i(3) }]);
        const out = await c.aggregate([
          { $unwind: '$tags' }, { $addFields: { twice: { $multiply: ['$n', 2] } } }, { $set: { tag: '$tags' } },
          { $unset: 'tags' }, { $sort: { _id: 1, tag: 1 } }, { $replaceRoot: { newRoot: { t: '$tag', v: '$twice' } } },
        ]);
        assert.deepEqual(out.map(plain), [{ t: 'x', v: 2 }, { t: 'y', v: 2 }, { t: 'y', v: 4 }]);
        assert.deepEqual((await c.aggregate([{ $unwind: '$tags' }, { $count: 'n' }])).map(plain), [{ n: 3 }]);
      });
      test('$facet and $bucket', async () => {
        const [out] = await sales.aggregate([{
          $facet: {
            cheap: [{ $match: { price: { $lt: 15 } } }, { $count: 'n' }],
            buckets: [{ $bucket: { groupBy: '$qty', boundaries: [0, 3, 10], default: 'other', output: { n: { $sum: 1 } } } }],
          },
        }]);
        assert.deepEqual(plain(out), { cheap: [{ n: 3 }], buckets: [{ _id: 0, n: 2 }, { _id: 3, n: 3 }] });
      });
      test('$setWindowFields: a running total by region', async () => {
        const out = await sales.aggregate([
          { $setWindowFields: { partitionBy: '$region', sortBy: { day: 1 }, output: { running: { $sum: '$qty', window: { documents: ['unbounded', 'current'] } } } } },
          { $sort: { _id: 1 } }, { $project: { running: 1 } },
        ]);
        assert.deepEqual(out.map(plain), [{ _id: 1, running: 2 }, { _id: 2, running: 1 }, { _id: 3, running: 7 }, { _id: 4, running: 4 }, { _id: 5, running: 4 }]);
      });
      test('$densify fills the missing days', async () => {
        const out = await sales.aggregate([
          { $match: { region: 'US' } }, { $project: { _id: 0, day: 1 } },
          { $densify: { field: 'day', range: { step: 1, unit: 'day', bounds: 'full' } } },
        ]);
        assert.deepEqual(out.map((x) => (x.day as Date).toISOString().slice(0, 10)), ['2024-01-02', '2024-01-03', '2024-01-04']);
      });
      test('date and string operators', async () => {
        const [out] = await sales.aggregate([{ $match: { _id: 3 } }, {
          $project: {
            _id: 0, day: { $dateToString: { format: '%Y-%m-%d', date: '$day' } }, hour: { $hour: '$day' },
            next: { $dateAdd: { startDate: '$day', unit: 'day', amount: 1 } }, up: { $toUpper: '$item' },
            label: { $concat: ['$region', '-', '$item'] }, part: { $substrCP: ['$region', 0, 1] }, len: { $strLenCP: '$region' },
          },
        }]);
        assert.deepEqual(plain(out), { day: '2024-01-02', hour: 12, next: '2024-01-03T12:00:00.000Z', up: 'B', label: 'EU-b', part: 'E', len: 2 });
      });
      test('$toObjectId, $indexOfCP, $binarySize, $bsonSize', async () => {
        const hex = '5f0c4a3b2e1d0c0b0a090807';
        const c = await seeded([{ _id: 1, s: hex, t: 'héllo wörld' }]);
        const [out] = await c.aggregate([{ $project: { _id: 0, o: { $toObjectId: '$s' }, at: { $indexOfCP: ['$t', 'w'] }, bytes: { $binarySize: '$t' }, size: { $bsonSize: { a: 1 } } } }]);
        assert.ok(out!.o instanceof ObjectId && out!.o.toHexString() === hex);
        assert.deepEqual(plain({ ...out, o: undefined }), { o: undefined, at: 6, bytes: 13, size: 12 });
      });
    });

    describe('BSON types', () => {
      test('values passed through keep their exact types', async () => {
        const oid = new ObjectId();
        const doc = { _id: oid, i: i(2), l: l(2), d: d(2), dec: Decimal128.fromString('2.50'), at: new Date(5), nested: { d: d(3) }, arr: [d(1), i(1)] };
        const c = await seeded([doc]);
        const [out] = await c.aggregate([{ $match: { i: 2 } }, { $project: { i: 1, l: 1, d: 1, dec: 1, at: 1, nested: 1, arr: 1 } }]);
        assert.deepEqual(shape(out), shape(doc));
        assert.equal((out!.dec as Decimal128).toString(), '2.50');
        const [viaGroup] = await c.aggregate([{ $addFields: { x: 1 } }, { $sort: { _id: 1 } }]);
        assert.deepEqual(shape(viaGroup), shape({ ...doc, x: i(1) }));
      });
      test('documents passed on whole keep their types: $lookup, $push', async () => {
        const c = await seeded([{ _id: 1, k: 'x', d: d(2), l: l(3) }, { _id: 2, k: 'x', d: d(4), l: l(5) }]);
        const [grouped] = await c.aggregate([{ $sort: { _id: 1 } }, { $group: { _id: '$k', all: { $push: '$$ROOT' } } }]);
        assert.deepEqual(shape(grouped), shape({ _id: 'x', all: [{ _id: i(1), k: 'x', d: d(2), l: l(3) }, { _id: i(2), k: 'x', d: d(4), l: l(5) }] }));
        const [joined] = await c.aggregate([{ $match: { _id: 1 } }, { $lookup: { from: c.name, localField: 'k', foreignField: 'k', as: 'same' } }, { $project: { same: 1 } }]);
        assert.deepEqual(shape(joined), shape({ _id: i(1), same: [{ _id: i(1), k: 'x', d: d(2), l: l(3) }, { _id: i(2), k: 'x', d: d(4), l: l(5) }] }));
      });
      test('computed numbers: integers are Int32, fractions Double, large integers Int64', async () => {
        const c = await seeded([{ _id: 1, a: i(3), b: i(4) }]);
        const [out] = await c.aggregate([{ $project: { _id: 0, sum: { $add: ['$a', '$b'] }, half: { $divide: ['$a', 2] }, big: { $multiply: ['$a', 1_000_000_000] } } }]);
        assert.deepEqual(shape(out), shape({ sum: i(7), half: d(1.5), big: l(3_000_000_000) }));
      });
      test('$sum, $avg and the other accumulators: the widest operand type, $avg a Double', async () => {
        const c = await seeded([
          { _id: 1, g: 'a', d: d(1.5), n: i(2), l: l(5), big: i(2147483647), whole: d(10) },
          { _id: 2, g: 'a', d: d(2.5), n: i(4), l: l(6), big: i(1), whole: d(20) },
        ]);
        const [out] = await c.aggregate([{ $sort: { _id: 1 } }, {
          $group: {
            _id: '$g', dsum: { $sum: '$d' }, nsum: { $sum: '$n' }, navg: { $avg: '$n' }, lsum: { $sum: '$l' }, mixed: { $sum: { $add: ['$n', '$l'] } },
            over: { $sum: '$big' }, count: { $sum: 1 }, max: { $max: '$whole' }, min: { $min: '$whole' }, first: { $first: '$whole' }, last: { $last: '$l' },
            all: { $push: '$whole' }, sd: { $stdDevPop: '$n' },
          },
        }]);
        assert.deepEqual(shape(out), shape({
          _id: 'a', dsum: d(4), nsum: i(6), navg: d(3), lsum: l(11), mixed: l(17), over: l(2147483648), count: i(2), max: d(20), min: d(10), first: d(10), last: l(6),
          all: [d(10), d(20)], sd: d(1),
        }));
        assert.deepEqual(plain(out), { _id: 'a', dsum: 4, nsum: 6, navg: 3, lsum: 11, mixed: 17, over: 2147483648, count: 2, max: 20, min: 10, first: 10, last: 6, all: [10, 20], sd: 1 });
      });
      test('arithmetic operators: the widest operand type; $divide a Double', async () => {
        const c = await seeded([{ _id: 1, n: i(7), l: l(3), w: d(2), at: new Date(1000) }]);
        const [out] = await c.aggregate([{
          $project: {
            _id: 0, add: { $add: ['$n', '$w'] }, addl: { $add: ['$n', '$l'] }, sub: { $subtract: ['$w', '$n'] }, mul: { $multiply: ['$n', '$l'] },
            div: { $divide: ['$n', 7] }, mod: { $mod: ['$n', 4] }, modl: { $mod: ['$l', 2] }, modd: { $mod: ['$w', 3] }, abs: { $abs: { $subtract: ['$n', 10] } },
            ceil: { $ceil: '$w' }, floor: { $floor: '$n' }, round: { $round: [{ $divide: [5, 2] }, 0] }, trunc: { $trunc: ['$n', -1] },
            ms: { $subtract: [{ $add: ['$at', 500] }, '$at'] }, sum: { $sum: ['$n', '$l'] }, avg: { $avg: ['$n', '$n'] },
          },
        }]);
        assert.deepEqual(shape(out), shape({
          add: d(9), addl: l(10), sub: d(-5), mul: l(21), div: d(1), mod: i(3), modl: l(1), modd: d(2), abs: i(3),
          ceil: d(2), floor: i(7), round: d(2), trunc: i(0), ms: l(500), sum: l(10), avg: d(7),
        }));
        assert.deepEqual(plain(out), { add: 9, addl: 10, sub: -5, mul: 21, div: 1, mod: 3, modl: 1, modd: 2, abs: 3, ceil: 2, floor: 7, round: 2, trunc: 0, ms: 500, sum: 10, avg: 7 });
      });
      test('conversions give their target type', async () => {
        const c = await seeded([{ _id: 1, n: i(5), w: d(2.5), s: '12' }]);
        const [out] = await c.aggregate([{
          $project: {
            _id: 0, dbl: { $toDouble: '$n' }, int: { $toInt: '$w' }, long: { $toLong: '$n' }, decn: { $toDecimal: '$n' }, decw: { $toDecimal: '$w' },
            fromString: { $toInt: '$s' }, conv: { $convert: { input: '$n', to: 'double' } }, bad: { $convert: { input: 'x', to: 'int', onError: -1 } },
          },
        }]);
        assert.deepEqual(shape(out), shape({ dbl: d(5), int: i(2), long: l(5), decn: Decimal128.fromString('5'), decw: Decimal128.fromString('2.5'), fromString: i(12), conv: d(5), bad: i(-1) }));
        assert.equal((out!.decn as Decimal128).toString(), '5');
        assert.equal((out!.decw as Decimal128).toString(), '2.50000000000000');
      });
      test('Decimal128 arithmetic is exact decimal arithmetic', async () => {
        const dec = (s: string) => Decimal128.fromString(s);
        const c = await seeded([{ _id: 1, a: dec('1.10'), n: i(2) }, { _id: 2, a: dec('2.20'), n: i(2) }, { _id: 3, a: dec('0.1'), n: i(3) }]);
        const [sum] = await c.aggregate([{ $match: { _id: { $lt: 3 } } }, { $group: { _id: null, s: { $sum: '$a' }, m: { $avg: '$a' } } }]);
        assert.equal((sum!.s as Decimal128).toString(), '3.30');
        assert.equal((sum!.m as Decimal128).toString(), '1.65');
        const [out] = await c.aggregate([{ $match: { _id: 3 } }, {
          $project: { _id: 0, add: { $add: ['$a', { $toDecimal: '0.2' }] }, mul: { $multiply: [{ $toDecimal: '2.50' }, '$n'] }, div: { $divide: [{ $toDecimal: '1' }, '$n'] }, sub: { $subtract: ['$a', '$n'] } },
        }]);
        assert.deepEqual(Object.fromEntries(Object.entries(out!).map(([k, v]) => [k, v instanceof Decimal128 ? v.toString() : v])),
          { add: '0.3', mul: '7.50', div: '0.3333333333333333333333333333333333', sub: '-2.9' });
      });
      test('computed types carry through later stages', async () => {
        const c = await seeded([{ _id: 1, g: 'x', d: d(1.5) }, { _id: 2, g: 'x', d: d(2.5) }, { _id: 3, g: 'y', d: d(3) }]);
        const out = await c.aggregate([
          { $group: { _id: '$g', t: { $sum: '$d' } } }, { $match: { t: { $gte: 3 } } }, { $sort: { t: -1 } },
          { $project: { t: 1, copy: '$t', next: { $add: ['$t', 1] } } }, { $addFields: { one: 1, oneDouble: d(1), half: { $divide: ['$t', 2] } } },
        ]);
        assert.deepEqual(out.map(shape), [
          shape({ _id: 'x', t: d(4), copy: d(4), next: d(5), one: i(1), oneDouble: d(1), half: d(2) }),
          shape({ _id: 'y', t: d(3), copy: d(3), next: d(4), one: i(1), oneDouble: d(1), half: d(1.5) }),
        ]);
        assert.deepEqual(out.map(plain), [{ _id: 'x', t: 4, copy: 4, next: 5, one: 1, oneDouble: 1, half: 2 }, { _id: 'y', t: 3, copy: 3, next: 4, one: 1, oneDouble: 1, half: 1.5 }]);
      });
      test('$cond, $ifNull and $switch keep the type of the value they choose; a $group _id keeps its type', async () => {
        const c = await seeded([{ _id: 1, q: i(2), p: d(10), l: l(7) }, { _id: 2, q: i(4), p: d(20), l: l(8) }]);
        const [out] = await c.aggregate([{
          $group: {
            _id: null, ifNull: { $sum: { $ifNull: ['$missing', '$p'] } }, cond: { $sum: { $cond: [{ $gt: ['$q', 3] }, '$p', 0] } },
            sw: { $max: { $switch: { branches: [{ case: { $eq: ['$q', 2] }, then: '$l' }], default: 0 } } },
          },
        }]);
        assert.deepEqual(shape(out), shape({ _id: null, ifNull: d(30), cond: d(20), sw: l(7) }));
        const keys = await c.aggregate([{ $group: { _id: '$p', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]);
        assert.deepEqual(keys.map(shape), [shape({ _id: d(10), n: i(1) }), shape({ _id: d(20), n: i(1) })]);
      });
      test('$group keys by ObjectId and Date', async () => {
        const a = new ObjectId();
        const c = await seeded([{ _id: 1, o: a, t: new Date(0) }, { _id: 2, o: a, t: new Date(0) }, { _id: 3, o: new ObjectId(), t: new Date(1) }]);
        const out = await c.aggregate([{ $group: { _id: { o: '$o', t: '$t' }, n: { $sum: 1 } } }, { $sort: { n: -1 } }]);
        assert.equal(out.length, 2);
        assert.ok((out[0]!._id as Document).o instanceof ObjectId && ((out[0]!._id as Document).o as ObjectId).equals(a));
        assert.ok((out[0]!._id as Document).t instanceof Date);
      });
    });

    describe('other collections', () => {
      test('$lookup, $graphLookup and $unionWith read collections of the same database', async () => {
        const items = engine.db(db).collection('items');
        await items.bulkWrite([{ insertOne: { document: { _id: 'a', name: 'apple', up: null } } }, { insertOne: { document: { _id: 'b', name: 'bean', up: 'a' } } }, { insertOne: { document: { _id: 'c', name: 'corn', up: 'b' } } }]);
        const joined = await sales.aggregate([
          { $match: { _id: { $in: [1, 2] } } }, { $sort: { _id: 1 } },
          { $lookup: { from: 'items', localField: 'item', foreignField: '_id', as: 'it' } }, { $project: { name: { $first: '$it.name' } } },
        ]);
        assert.deepEqual(joined.map(plain), [{ _id: 1, name: 'apple' }, { _id: 2, name: 'bean' }]);
        const piped = await sales.aggregate([
          { $match: { _id: 5 } },
          { $lookup: { from: 'items', let: { it: '$item' }, pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$it'] } } }, { $project: { _id: 0, name: 1 } }], as: 'it' } },
          { $project: { _id: 0, it: 1 } },
        ]);
        assert.deepEqual(piped.map(plain), [{ it: [{ name: 'corn' }] }]);
        const chain = await items.aggregate([
          { $match: { _id: 'c' } }, { $graphLookup: { from: 'items', startWith: '$up', connectFromField: 'up', connectToField: '_id', as: 'ancestors' } },
          { $project: { n: { $size: '$ancestors' } } },
        ]);
        assert.deepEqual(chain.map(plain), [{ _id: 'c', n: 2 }]);
        const union = await items.aggregate([{ $project: { _id: 1 } }, { $unionWith: { coll: sales.name, pipeline: [{ $project: { _id: 1 } }] } }, { $count: 'n' }]);
        assert.deepEqual(union.map(plain), [{ n: 8 }]);
        assert.deepEqual((await sales.aggregate([{ $match: { _id: 1 } }, { $lookup: { from: 'nothing', localField: 'item', foreignField: '_id', as: 'x' } }, { $project: { x: 1 } }])).map(plain), [{ _id: 1, x: [] }]);
      });
      test('a last $out replaces the target; the result is []', async () => {
        const target = await seeded([{ _id: 'old' }]);
        assert.deepEqual(await sales.aggregate([{ $match: { region: 'EU' } }, { $project: { qty: 1 } }, { $out: target.name }]), []);
        const written = await target.find({}, { sort: [['_id', 1]] });
        assert.deepEqual(written.map(plain), [{ _id: 1, qty: 2 }, { _id: 3, qty: 5 }]);
        assert.deepEqual(shape(written[0]!.qty), shape(i(2)));
      });
      test('a last $merge merges into the target by _id', async () => {
        const target = await seeded([{ _id: 1, keep: true, qty: i(0) }]);
        await sales.aggregate([{ $match: { _id: { $in: [1, 2] } } }, { $project: { qty: 1 } }, { $merge: { into: target.name } }]);
        assert.deepEqual((await target.find({}, { sort: [['_id', 1]] })).map(plain), [{ _id: 1, keep: true, qty: 2 }, { _id: 2, qty: 1 }]);
        await sales.aggregate([{ $match: { _id: 4 } }, { $project: { qty: 1 } }, { $merge: { into: target.name, whenMatched: 'keepExisting', whenNotMatched: 'discard' } }]);
        assert.equal(await target.countDocuments({}), 2);
      });
    });

    describe('errors', () => {
      test('an unknown stage or expression operator fails, naming it', async () => {
        await fails(sales.aggregate([{ $nosuchstage: {} }]), [40324], /\$nosuchstage/);
        await fails(sales.aggregate([{ $project: { x: { $nosuchop: 1 } } }]), [168, 31325], /\$nosuchop/);
      });
      test('malformed pipelines', async () => {
        await fails(sales.aggregate([{ $match: {}, $limit: 1 }]), [40323]);
        await fails(sales.aggregate([{ $out: 'x' }, { $match: {} }]), [40601]);
        await fails(sales.aggregate([{ $facet: { a: [{ $out: 'x' }] } }]), [40600]);
      });
      test('a stage error', async () => {
        await fails(sales.aggregate([{ $project: { x: { $divide: ['$qty', 0] } } }]), [2, 16608, 16609], /divi/i);
      });
      test('past maxTimeMS: MaxTimeMSExpired (50)', async () => {
        const big = coll();
        await big.bulkWrite(Array.from({ length: 1000 }, (_, n) => ({ insertOne: { document: { _id: n, n: i(n), s: `v${n}` } } })));
        const slow = [{ $lookup: { from: big.name, let: { n: '$n' }, pipeline: [{ $match: { $expr: { $eq: [{ $concat: ['$s', 'x'] }, { $concat: ['v', { $toString: '$$n' }, 'y'] }] } } }], as: 'x' } }];
        await fails(big.aggregate(slow, { maxTimeMS: 50 }), [50]);
      });
      test('on a missing collection, no documents', async () => {
        assert.deepEqual(await coll().aggregate([{ $match: {} }]), []);
        assert.deepEqual(await coll().aggregate([{ $group: { _id: null, n: { $sum: 1 } } }]), []);
      });
    });
  });
}
