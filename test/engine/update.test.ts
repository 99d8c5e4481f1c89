import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long, Timestamp } from 'bson';
import { applyUpdate, isOperatorUpdate } from '../../src/engine/update.ts';
import type { Document } from '../../src/engine/values.ts';
import { assertDoc, assertEngineError, shape } from './assertions.ts';

export const i = (n: number) => new Int32(n);
export const d = (n: number) => new Double(n);
export const l = (n: number | bigint) => Long.fromBigInt(BigInt(n));
export const dec = (s: string) => Decimal128.fromString(s);

const now = new Date('2024-05-06T07:08:09.123Z');
type Opts = { isUpsertInsert?: boolean; arrayFilters?: Document[] };
const run = (doc: Document, u: Document | Document[], o: Opts = {}) =>
  applyUpdate(doc, u, { isUpsertInsert: o.isUpsertInsert ?? false, now, arrayFilters: o.arrayFilters });

type Case = [name: string, doc: Document, update: Document | Document[], expected: Document, opts?: Opts];
type ErrCase = [name: string, doc: Document, update: Document | Document[], code: number, message?: string | RegExp, opts?: Opts];

function table(cases: Case[]): void {
  for (const [name, doc, update, expected, opts] of cases) {
    test(name, () => assertDoc(run(doc, update, opts), expected));
  }
}
function errors(cases: ErrCase[]): void {
  for (const [name, doc, update, code, message, opts] of cases) {
    test(name, () => assertEngineError(() => run(doc, update, opts), code, message));
  }
}

describe('$set / $unset / paths / key order', () => table([
  ['$set appends a new field', { _id: 1, a: 1 }, { $set: { b: 2 } }, { _id: 1, a: 1, b: 2 }],
  ['$set keeps an existing field in place', { _id: 1, a: 1, b: 2 }, { $set: { a: 5 } }, { _id: 1, a: 5, b: 2 }],
  ['new fields are added in field-name order', { _id: 1 }, { $set: { z: 1, b: 1, a: 1 } }, { _id: 1, a: 1, b: 1, z: 1 }],
  ['fields of several operators share that order', { _id: 1, m: 1 }, { $set: { z: 1 }, $inc: { a: i(1) } }, { _id: 1, m: 1, a: i(1), z: 1 }],
  ['dot notation creates intermediate documents', { _id: 1 }, { $set: { 'a.b.c': 1 } }, { _id: 1, a: { b: { c: 1 } } }],
  ['nested new fields are ordered too', { _id: 1 }, { $set: { 'a.c': 1, 'a.b': 2 } }, { _id: 1, a: { b: 2, c: 1 } }],
  ['numeric segment indexes an array', { _id: 1, tags: ['x', 'y'] }, { $set: { 'tags.1': 'z' } }, { _id: 1, tags: ['x', 'z'] }],
  ['setting past the end pads with null', { _id: 1, tags: ['x'] }, { $set: { 'tags.3': 'w' } }, { _id: 1, tags: ['x', null, null, 'w'] }],
  ['field inside an array element', { _id: 1, a: [{ b: 1 }] }, { $set: { 'a.0.c': 2 } }, { _id: 1, a: [{ b: 1, c: 2 }] }],
  ['numeric segment on a document is a field name', { _id: 1, a: {} }, { $set: { 'a.0': 1 } }, { _id: 1, a: { 0: 1 } }],
  ['_id is kept first when an update creates it', {}, { $set: { A: 1, _id: 5 } }, { _id: 5, A: 1 }, { isUpsertInsert: true }],
  ['setting _id to the identical value is allowed', { _id: i(1), a: 1 }, { $set: { _id: i(1), a: 2 } }, { _id: i(1), a: 2 }],
  ['$set keeps the argument types', { _id: 1 }, { $set: { a: d(5), b: l(7), c: dec('1.50') } }, { _id: 1, a: d(5), b: l(7), c: dec('1.50') }],
  ['empty operator document is a no-op', { _id: 1, a: 1 }, { $set: {} }, { _id: 1, a: 1 }],
  ['empty update is a no-op', { _id: 1, a: 1 }, {}, { _id: 1, a: 1 }],
  ['$unset removes a field', { _id: 1, a: 1, b: 2 }, { $unset: { a: '' } }, { _id: 1, b: 2 }],
  ['$unset of a missing field is a no-op', { _id: 1 }, { $unset: { 'x.y': 1 } }, { _id: 1 }],
  ['$unset of a nested field', { _id: 1, a: { b: 1, c: 2 } }, { $unset: { 'a.b': 1 } }, { _id: 1, a: { c: 2 } }],
  ['$unset of an array element sets null', { _id: 1, a: [1, 2, 3] }, { $unset: { 'a.1': 1 } }, { _id: 1, a: [1, null, 3] }],
  ['$unset through a scalar is a no-op', { _id: 1, a: 5 }, { $unset: { 'a.b': 1 } }, { _id: 1, a: 5 }],
]));

describe('$inc / $mul type promotion', () => table([
  ['int + int = int', { _id: 1, a: i(5) }, { $inc: { a: i(2) } }, { _id: 1, a: i(7) }],
  ['int overflow promotes to long', { _id: 1, a: i(2147483647) }, { $inc: { a: i(1) } }, { _id: 1, a: l(2147483648) }],
  ['int + long = long', { _id: 1, a: i(1) }, { $inc: { a: l(2) } }, { _id: 1, a: l(3) }],
  ['long stays exact beyond 2^53', { _id: 1, a: l(2n ** 60n) }, { $inc: { a: i(1) } }, { _id: 1, a: l(2n ** 60n + 1n) }],
  ['long + double = double', { _id: 1, a: l(2) }, { $inc: { a: d(0.5) } }, { _id: 1, a: d(2.5) }],
  ['int + double = double', { _id: 1, a: i(1) }, { $inc: { a: d(0.5) } }, { _id: 1, a: d(1.5) }],
  ['double + int stays double', { _id: 1, a: d(1) }, { $inc: { a: i(1) } }, { _id: 1, a: d(2) }],
  ['decimal + int = exact decimal', { _id: 1, a: dec('1.10') }, { $inc: { a: i(1) } }, { _id: 1, a: dec('2.10') }],
  ['decimal + double: double taken with 15 digits', { _id: 1, a: dec('1') }, { $inc: { a: d(0.1) } }, { _id: 1, a: dec('1.100000000000000') }],
  ['int + decimal = decimal', { _id: 1, a: i(1) }, { $inc: { a: dec('0.25') } }, { _id: 1, a: dec('1.25') }],
  ['negative increment', { _id: 1, a: i(5) }, { $inc: { a: i(-7) } }, { _id: 1, a: i(-2) }],
  ['$inc on a missing field sets the increment (long)', { _id: 1 }, { $inc: { n: l(5) } }, { _id: 1, n: l(5) }],
  ['$inc on a missing nested field', { _id: 1 }, { $inc: { 'a.b': d(1.5) } }, { _id: 1, a: { b: d(1.5) } }],
  ['$inc with a plain JS number types it', { _id: 1 }, { $inc: { a: 3, b: 0.5 } }, { _id: 1, a: i(3), b: d(0.5) }],
  ['int * int = int', { _id: 1, a: i(3) }, { $mul: { a: i(4) } }, { _id: 1, a: i(12) }],
  ['int * int overflow = long', { _id: 1, a: i(65536) }, { $mul: { a: i(65536) } }, { _id: 1, a: l(4294967296) }],
  ['int * double = double', { _id: 1, a: i(2) }, { $mul: { a: d(1.5) } }, { _id: 1, a: d(3) }],
  ['long * int = long', { _id: 1, a: l(2) }, { $mul: { a: i(3) } }, { _id: 1, a: l(6) }],
  ['decimal * int = decimal', { _id: 1, a: dec('1.5') }, { $mul: { a: i(2) } }, { _id: 1, a: dec('3.0') }],
  ['$mul on missing: int 0', { _id: 1 }, { $mul: { x: i(5) } }, { _id: 1, x: i(0) }],
  ['$mul on missing: double 0', { _id: 1 }, { $mul: { x: d(2.5) } }, { _id: 1, x: d(0) }],
  ['$mul on missing: long 0', { _id: 1 }, { $mul: { x: l(3) } }, { _id: 1, x: l(0) }],
  ['$mul on missing: decimal 0 of the operand scale', { _id: 1 }, { $mul: { x: dec('2.50') } }, { _id: 1, x: dec('0.00') }],
]));

describe('$min / $max / $currentDate / $setOnInsert / $bit', () => table([
  ['$min lowers', { _id: 1, a: i(5) }, { $min: { a: i(3) } }, { _id: 1, a: i(3) }],
  ['$min keeps a lower value', { _id: 1, a: i(5) }, { $min: { a: i(7) } }, { _id: 1, a: i(5) }],
  ['$max with an equal value of another type keeps the type', { _id: 1, a: d(5) }, { $max: { a: i(5) } }, { _id: 1, a: d(5) }],
  ['$max raises', { _id: 1, a: i(5) }, { $max: { a: d(5.5) } }, { _id: 1, a: d(5.5) }],
  ['$max on missing sets', { _id: 1 }, { $max: { a: i(1) } }, { _id: 1, a: i(1) }],
  ['$min across types uses BSON order (numbers < strings)', { _id: 1, a: 'x' }, { $min: { a: i(1) } }, { _id: 1, a: i(1) }],
  ['$max on dates', { _id: 1, t: new Date(1000) }, { $max: { t: new Date(2000) } }, { _id: 1, t: new Date(2000) }],
  ['$currentDate true', { _id: 1 }, { $currentDate: { t: true } }, { _id: 1, t: new Date(now) }],
  ['$currentDate $type date', { _id: 1, t: 1 }, { $currentDate: { t: { $type: 'date' } } }, { _id: 1, t: new Date(now) }],
  ['$setOnInsert applies on upsert-insert', { _id: 1 }, { $setOnInsert: { a: 1 }, $set: { b: 2 } }, { _id: 1, a: 1, b: 2 }, { isUpsertInsert: true }],
  ['$setOnInsert is ignored on update', { _id: 1 }, { $setOnInsert: { a: 1 }, $set: { b: 2 } }, { _id: 1, b: 2 }],
  ['$bit and', { _id: 1, a: i(13) }, { $bit: { a: { and: i(10) } } }, { _id: 1, a: i(8) }],
  ['$bit or', { _id: 1, a: i(13) }, { $bit: { a: { or: i(10) } } }, { _id: 1, a: i(15) }],
  ['$bit xor', { _id: 1, a: i(13) }, { $bit: { a: { xor: i(10) } } }, { _id: 1, a: i(7) }],
  ['$bit with a long gives a long', { _id: 1, a: l(13) }, { $bit: { a: { and: i(10) } } }, { _id: 1, a: l(8) }],
  ['$bit applies its operations in order', { _id: 1, a: i(12) }, { $bit: { a: { and: i(10), or: i(1) } } }, { _id: 1, a: i(9) }],
  ['$bit on missing starts from int 0', { _id: 1 }, { $bit: { a: { or: i(5) } } }, { _id: 1, a: i(5) }],
]));

test('$currentDate timestamp', () => {
  const out = run({ _id: 1 }, { $currentDate: { t: { $type: 'timestamp' } } });
  assert.ok(out.t instanceof Timestamp);
  assert.equal((out.t as Timestamp).t, Math.floor(now.getTime() / 1000));
});

describe('$rename', () => table([
  ['the renamed field moves to the end', { _id: 1, a: 1, b: 2 }, { $rename: { a: 'c' } }, { _id: 1, b: 2, c: 1 }],
  ['renaming onto an existing field replaces it in place', { _id: 1, c: 3, a: 1, b: 2 }, { $rename: { a: 'c' } }, { _id: 1, c: 1, b: 2 }],
  ['missing source is a no-op', { _id: 1, b: 2 }, { $rename: { a: 'c' } }, { _id: 1, b: 2 }],
  ['out of a sub-document', { _id: 1, a: { b: i(1) } }, { $rename: { 'a.b': 'c' } }, { _id: 1, a: {}, c: i(1) }],
  ['into a new sub-document', { _id: 1, a: d(1) }, { $rename: { a: 'x.y' } }, { _id: 1, x: { y: d(1) } }],
]));

describe('array operators', () => table([
  ['$push appends', { _id: 1, a: [1, 2] }, { $push: { a: 3 } }, { _id: 1, a: [1, 2, 3] }],
  ['$push on missing creates the array', { _id: 1 }, { $push: { a: i(1) } }, { _id: 1, a: [i(1)] }],
  ['$push of an array pushes one element', { _id: 1, a: [1] }, { $push: { a: [4, 5] } }, { _id: 1, a: [1, [4, 5]] }],
  ['$push $each', { _id: 1, a: [1] }, { $push: { a: { $each: [2, 3] } } }, { _id: 1, a: [1, 2, 3] }],
  ['$push $position 0', { _id: 1, a: [1, 2] }, { $push: { a: { $each: [8, 9], $position: 0 } } }, { _id: 1, a: [8, 9, 1, 2] }],
  ['$push negative $position', { _id: 1, a: [1, 2, 3] }, { $push: { a: { $each: [9], $position: -1 } } }, { _id: 1, a: [1, 2, 9, 3] }],
  ['$push $position past the end appends', { _id: 1, a: [1] }, { $push: { a: { $each: [9], $position: 5 } } }, { _id: 1, a: [1, 9] }],
  ['$push $slice keeps the first n', { _id: 1, a: [1, 2] }, { $push: { a: { $each: [3], $slice: 2 } } }, { _id: 1, a: [1, 2] }],
  ['$push negative $slice keeps the last n', { _id: 1, a: [1, 2] }, { $push: { a: { $each: [3], $slice: -2 } } }, { _id: 1, a: [2, 3] }],
  ['$push $slice 0 empties', { _id: 1, a: [1, 2] }, { $push: { a: { $each: [], $slice: 0 } } }, { _id: 1, a: [] }],
  ['$push $sort 1', { _id: 1, a: [3, 1] }, { $push: { a: { $each: [2], $sort: 1 } } }, { _id: 1, a: [1, 2, 3] }],
  ['$push $sort -1', { _id: 1, a: [3, 1] }, { $push: { a: { $each: [2], $sort: -1 } } }, { _id: 1, a: [3, 2, 1] }],
  ['$push $sort by field, then $slice (top n)', { _id: 1, s: [{ v: 5 }, { v: 1 }] },
    { $push: { s: { $each: [{ v: 3 }], $sort: { v: -1 }, $slice: 2 } } }, { _id: 1, s: [{ v: 5 }, { v: 3 }] }],
  ['$addToSet adds a new value', { _id: 1, a: [1, 2] }, { $addToSet: { a: 3 } }, { _id: 1, a: [1, 2, 3] }],
  ['$addToSet skips an existing value', { _id: 1, a: [1, 2] }, { $addToSet: { a: 2 } }, { _id: 1, a: [1, 2] }],
  ['$addToSet compares numbers across types', { _id: 1, a: [i(1)] }, { $addToSet: { a: d(1) } }, { _id: 1, a: [i(1)] }],
  ['$addToSet $each dedupes', { _id: 1, a: [1] }, { $addToSet: { a: { $each: [1, 2, 2, 3] } } }, { _id: 1, a: [1, 2, 3] }],
  ['$addToSet: documents equal only with the same field order', { _id: 1, a: [{ x: 1, y: 2 }] },
    { $addToSet: { a: { $each: [{ x: 1, y: 2 }, { y: 2, x: 1 }] } } }, { _id: 1, a: [{ x: 1, y: 2 }, { y: 2, x: 1 }] }],
  ['$addToSet on missing creates', { _id: 1 }, { $addToSet: { a: { $each: [1, 1] } } }, { _id: 1, a: [1] }],
  ['$pop 1 removes the last', { _id: 1, a: [1, 2, 3] }, { $pop: { a: 1 } }, { _id: 1, a: [1, 2] }],
  ['$pop -1 removes the first', { _id: 1, a: [1, 2, 3] }, { $pop: { a: i(-1) } }, { _id: 1, a: [2, 3] }],
  ['$pop on empty and missing', { _id: 1, a: [] }, { $pop: { a: 1, b: 1 } }, { _id: 1, a: [] }],
  ['$pull a value', { _id: 1, a: [1, 2, 1, 3] }, { $pull: { a: 1 } }, { _id: 1, a: [2, 3] }],
  ['$pull matches numbers across types', { _id: 1, a: [d(1), i(2)] }, { $pull: { a: i(1) } }, { _id: 1, a: [i(2)] }],
  ['$pull with a condition', { _id: 1, a: [i(1), i(5), i(9)] }, { $pull: { a: { $gte: i(5) } } }, { _id: 1, a: [i(1)] }],
  ['$pull $in', { _id: 1, a: [1, 2, 3] }, { $pull: { a: { $in: [1, 3] } } }, { _id: 1, a: [2] }],
  ['$pull a condition on sub-document fields', { _id: 1, items: [{ qty: i(3) }, { qty: i(7) }, 4] },
    { $pull: { items: { qty: { $lt: i(5) } } } }, { _id: 1, items: [{ qty: i(7) }, 4] }],
  ['$pull with a document is a query, not equality', { _id: 1, a: [{ x: 1, y: 2 }, { x: 2 }] },
    { $pull: { a: { x: 1 } } }, { _id: 1, a: [{ x: 2 }] }],
  ['$pull an array value by equality', { _id: 1, a: [[1, 2], [3]] }, { $pull: { a: [1, 2] } }, { _id: 1, a: [[3]] }],
  ['$pull $elemMatch on nested arrays', { _id: 1, a: [[1, 5], [2]] }, { $pull: { a: { $elemMatch: { $gt: 4 } } } }, { _id: 1, a: [[2]] }],
  ['$pull on missing is a no-op', { _id: 1 }, { $pull: { a: 1 } }, { _id: 1 }],
  ['$pullAll', { _id: 1, a: [1, 2, 3, 1] }, { $pullAll: { a: [1, 3] } }, { _id: 1, a: [2] }],
]));

describe('$[] and $[identifier]', () => table([
  ['$[] sets every element', { _id: 1, a: [1, 2, 3] }, { $set: { 'a.$[]': 0 } }, { _id: 1, a: [0, 0, 0] }],
  ['$[] on a field of every element', { _id: 1, a: [{ q: i(1) }, { q: i(2) }] }, { $inc: { 'a.$[].q': i(1) } }, { _id: 1, a: [{ q: i(2) }, { q: i(3) }] }],
  ['$[x] with a value filter', { _id: 1, a: [1, 5, 9] }, { $set: { 'a.$[x]': 0 } }, { _id: 1, a: [1, 0, 0] }, { arrayFilters: [{ x: { $gte: i(5) } }] }],
  ['$[e] with a field filter', { _id: 1, items: [{ qty: 1 }, { qty: 7 }] }, { $set: { 'items.$[e].big': true } },
    { _id: 1, items: [{ qty: 1 }, { qty: 7, big: true }] }, { arrayFilters: [{ 'e.qty': { $gt: 5 } }] }],
  ['nested $[]', { _id: 1, m: [[i(1), i(2)], [i(3)]] }, { $inc: { 'm.$[].$[]': i(10) } }, { _id: 1, m: [[i(11), i(12)], [i(13)]] }],
  ['$[] with $unset nulls elements', { _id: 1, a: [1, 2] }, { $unset: { 'a.$[]': 1 } }, { _id: 1, a: [null, null] }],
  ['filters see the values from before the update', { _id: 1, a: [{ v: 1 }, { v: 2 }] }, { $set: { 'a.$[x].v': 10, 'a.$[y].w': true } },
    { _id: 1, a: [{ v: 10, w: true }, { v: 2 }] }, { arrayFilters: [{ 'x.v': 1 }, { 'y.v': 1 }] }],
  ['$[] under $pull', { _id: 1, a: [{ t: [1, 2] }, { t: [1] }] }, { $pull: { 'a.$[].t': 1 } }, { _id: 1, a: [{ t: [2] }, { t: [] }] }],
]));

describe('pipeline updates', () => table([
  ['$set computes; untouched values keep their exact type', { _id: 1, a: d(5), b: i(2) },
    [{ $set: { c: { $add: ['$b', 1] } } }], { _id: 1, a: d(5), b: i(2), c: i(3) }],
  ['fractional results are doubles, big integers longs', { _id: 1, b: i(3) },
    [{ $addFields: { h: { $divide: ['$b', 2] }, big: { $multiply: ['$b', 1000000000] } } }], { _id: 1, b: i(3), h: d(1.5), big: l(3000000000) }],
  ['$unset stage', { _id: 1, a: 1, b: 2 }, [{ $unset: 'b' }], { _id: 1, a: 1 }],
  ['$project stage', { _id: 1, a: l(1), b: 2 }, [{ $project: { a: 1 } }], { _id: 1, a: l(1) }],
  ['$replaceWith keeps the original _id', { _id: i(1), b: i(2) }, [{ $replaceWith: { x: '$b' } }], { _id: i(1), x: i(2) }],
  ['$replaceRoot', { _id: 1, sub: { k: 'v' } }, [{ $replaceRoot: { newRoot: '$sub' } }], { _id: 1, k: 'v' }],
  ['$$NOW is the update time', { _id: 1 }, [{ $set: { t: '$$NOW' } }], { _id: 1, t: new Date(now) }],
  ['several stages', { _id: 1, a: i(1) }, [{ $set: { b: { $add: ['$a', 1] } } }, { $unset: 'a' }], { _id: 1, b: i(2) }],
]));

describe('errors', () => errors([
  ['unknown operator', { _id: 1 }, { $foo: { a: 1 } }, 9,
    'Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array'],
  ['a plain field among operators', { _id: 1 }, { $set: { a: 1 }, b: 2 }, 9, /^Unknown modifier: b\./],
  ['operator value not a document', { _id: 1 }, { $set: 1 }, 9, /^Modifiers operate on fields but we found type int instead/],
  ['same path twice', { _id: 1 }, { $set: { a: 1 }, $inc: { a: i(1) } }, 40, "Updating the path 'a' would create a conflict at 'a'"],
  ['a path below another', { _id: 1 }, { $set: { a: 1 }, $unset: { 'a.b': 1 } }, 40, "Updating the path 'a.b' would create a conflict at 'a'"],
  ['$setOnInsert conflicts even on update', { _id: 1 }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }, 40],
  ['$rename source conflicts', { _id: 1, a: 1 }, { $rename: { a: 'b' }, $set: { a: 2 } }, 40],
  ['$rename destination conflicts', { _id: 1, a: 1 }, { $rename: { a: 'b' }, $set: { b: 2 } }, 40],
  ['$[] against an index of the same array', { _id: 1, a: [1] }, { $set: { 'a.0': 1, 'a.$[].b': 2 } }, 40,
    "Updating the path 'a.$[].b' would create a conflict at 'a'"],
  ['two filters on one element', { _id: 1, a: [1, 2] }, { $set: { 'a.$[x]': 1, 'a.$[y]': 2 } }, 40,
    "Update created a conflict at 'a.1'", { arrayFilters: [{ x: { $gt: 0 } }, { y: { $gt: 1 } }] }],
  ['changing _id', { _id: 1 }, { $set: { _id: 2 } }, 66, "Performing an update on the path '_id' would modify the immutable field '_id'"],
  ['changing the type of _id', { _id: i(1) }, { $set: { _id: d(1) } }, 66],
  ['$unset _id', { _id: 1 }, { $unset: { _id: 1 } }, 66],
  ['$rename _id', { _id: 1 }, { $rename: { _id: 'x' } }, 66],
  ['pipeline changing _id', { _id: 1 }, [{ $set: { _id: 2 } }], 66],
  ['$inc on a string', { _id: i(1), a: 'x' }, { $inc: { a: i(1) } }, 14,
    "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string"],
  ['$inc by a string', { _id: 1 }, { $inc: { a: 'x' } }, 14, 'Cannot increment with non-numeric argument: {a: "x"}'],
  ['$mul on null', { _id: 1, a: null }, { $mul: { a: i(2) } }, 14, /non-numeric type null/],
  ['$inc long overflow', { _id: 1, a: l(2n ** 63n - 1n) }, { $inc: { a: i(1) } }, 2, /^Failed to apply \$inc operations/],
  ['path through a scalar', { _id: 1, a: 5 }, { $set: { 'a.b': 1 } }, 28, "Cannot create field 'b' in element {a: 5}"],
  ['field name on an array', { _id: 1, a: [1] }, { $set: { 'a.b': 1 } }, 28, /^Cannot create field 'b' in element \{a: /],
  ['empty path', { _id: 1 }, { $set: { '': 1 } }, 56],
  ['empty path segment', { _id: 1 }, { $set: { 'a..b': 1 } }, 56],
  ['positional $', { _id: 1, a: [1] }, { $set: { 'a.$': 2 } }, 2, 'The positional operator did not find the match needed from the query.'],
  ['array filter first in path', { _id: 1 }, { $set: { '$[]': 1 } }, 2],
  ['unknown array filter identifier', { _id: 1, a: [1] }, { $set: { 'a.$[z]': 1 } }, 2, "No array filter found for identifier 'z' in path 'a.$[z]'"],
  ['unused array filter', { _id: 1, a: [1] }, { $set: { 'a.$[]': 1 } }, 9, /^The array filter for identifier 'x' was not used/,
    { arrayFilters: [{ x: 1 }] }],
  ['bad array filter identifier', { _id: 1, a: [1] }, { $set: { 'a.$[X]': 1 } }, 2, undefined, { arrayFilters: [{ X: 1 }] }],
  ['array update on a missing path', { _id: 1 }, { $set: { 'a.$[].b': 1 } }, 2,
    "The path 'a' must exist in the document in order to apply array updates."],
  ['array update on a non-array', { _id: 1, a: 5 }, { $set: { 'a.$[]': 1 } }, 2, 'Cannot apply array updates to non-array element a: 5'],
  ['$rename to the same path', { _id: 1 }, { $rename: { a: 'a' } }, 2, /must differ/],
  ['$rename along one path', { _id: 1 }, { $rename: { a: 'a.b' } }, 2, /must not be on the same path/],
  ['$rename to a non-string', { _id: 1 }, { $rename: { a: 1 } }, 2, /^The 'to' field for \$rename must be a string/],
  ['$rename out of an array', { _id: 1, a: [{ b: 1 }] }, { $rename: { 'a.0.b': 'c' } }, 2, /^The source field cannot be an array element/],
  ['$rename into an array', { _id: 1, a: 1, b: [1] }, { $rename: { a: 'b.c' } }, 2, /^The destination field cannot be an array element/],
  ['$currentDate bad $type', { _id: 1 }, { $currentDate: { t: { $type: 'x' } } }, 2],
  ['$currentDate bad value', { _id: 1 }, { $currentDate: { t: 1 } }, 2, /is not valid type for \$currentDate/],
  ['$push to a non-array', { _id: i(1), a: 1 }, { $push: { a: 2 } }, 2, "The field 'a' must be an array but is of type int in document {_id: 1}"],
  ['$push $each not an array', { _id: 1 }, { $push: { a: { $each: 1 } } }, 2, /^The argument to \$each in \$push must be an array/],
  ['$push unknown clause', { _id: 1 }, { $push: { a: { $each: [], $foo: 1 } } }, 2, 'Unrecognized clause in $push: $foo'],
  ['$push bad $sort', { _id: 1 }, { $push: { a: { $each: [], $sort: 2 } } }, 2, 'The $sort element value must be either 1 or -1'],
  ['$push fractional $slice', { _id: 1 }, { $push: { a: { $each: [], $slice: 1.5 } } }, 2, /\$slice must be an integer/],
  ['$addToSet to a non-array', { _id: 1, a: 1 }, { $addToSet: { a: 2 } }, 2, /^Cannot apply \$addToSet to non-array field/],
  ['$addToSet $each not an array', { _id: 1 }, { $addToSet: { a: { $each: 1 } } }, 14],
  ['$pop bad argument', { _id: 1, a: [1] }, { $pop: { a: 2 } }, 9, '$pop expects 1 or -1, found: 2'],
  ['$pop on a non-array', { _id: 1, a: 1 }, { $pop: { a: 1 } }, 14, "Path 'a' contains an element of non-array type 'int'"],
  ['$pull on a non-array', { _id: 1, a: 1 }, { $pull: { a: 1 } }, 2, 'Cannot apply $pull to a non-array value'],
  ['$pullAll with a non-array', { _id: 1, a: [1] }, { $pullAll: { a: 1 } }, 2, '$pullAll requires an array argument but was given a int'],
  ['$bit with a double operand', { _id: 1, a: i(1) }, { $bit: { a: { and: d(1) } } }, 2, /must be an Integer\(32\/64 bit\)/],
  ['$bit on a double field', { _id: 1, a: d(1) }, { $bit: { a: { and: i(1) } } }, 2, /non-integral type/],
  ['$bit unknown operation', { _id: 1, a: i(1) }, { $bit: { a: { nand: i(1) } } }, 2, /only supports 'and', 'or', and 'xor'/],
  ['pipeline stage not allowed', { _id: 1 }, [{ $match: { a: 1 } }], 2, '$match is not allowed to be used within an update'],
]));

describe('API', () => {
  test('isOperatorUpdate', () => {
    assert.equal(isOperatorUpdate({ $set: {} }), true);
    assert.equal(isOperatorUpdate({ a: 1 }), false);
    assert.equal(isOperatorUpdate({}), false);
  });

  test('neither the document nor the update is modified or shared', () => {
    const make = () => ({
      doc: { _id: 1, a: [1, 2], b: { c: i(1) } },
      update: { $push: { a: 3 }, $set: { 'b.d': { e: 1 } } },
    });
    const { doc, update } = make();
    const out = run(doc, update);
    assertDoc({ doc, update }, make());
    (out.b as Document).d = null;
    assertDoc(update.$set['b.d'], { e: 1 });
    const piped = run(doc, [{ $set: { a: 5 } }]);
    assertDoc(piped, { _id: 1, a: i(5), b: { c: i(1) } });
    assertDoc(doc, make().doc);
  });
});
