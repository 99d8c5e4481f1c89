import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Int32, Long } from 'bson';
import { compileProjection } from '../../src/engine/projection.ts';
import type { Document } from '../../src/engine/values.ts';
import { assertDoc, assertEngineError, shape } from './assertions.ts';

const i = (n: number) => new Int32(n);
const d = (n: number) => new Double(n);

const doc = (): Document => ({
  _id: i(1),
  a: d(5),
  b: { c: i(2), d: i(3) },
  arr: [i(1), i(2), i(3), i(4), i(5)],
  items: [{ x: i(1), y: i(2) }, { x: i(3), y: i(4) }, i(7)],
  s: 'x',
});

type Case = [name: string, spec: Document, expected: Document, input?: Document];

function table(cases: Case[]): void {
  for (const [name, spec, expected, input] of cases) {
    test(name, () => assertDoc(compileProjection(spec)(input ?? doc()), expected));
  }
}

describe('inclusion', () => table([
  ['includes the field and _id', { a: 1 }, { _id: i(1), a: d(5) }],
  ['_id: 0 excludes _id', { a: 1, _id: 0 }, { a: d(5) }],
  ['true and non-zero numbers include', { a: true, s: d(2) }, { _id: i(1), a: d(5), s: 'x' }],
  ['output follows the document order', { s: 1, b: 1, a: 1 }, { _id: i(1), a: d(5), b: { c: i(2), d: i(3) }, s: 'x' }],
  ['_id: 1 alone', { _id: 1 }, { _id: i(1) }],
  ['_id comes first even if stored later', { a: 1 }, { _id: 2, a: 1 }, { a: 1, _id: 2 }],
  ['dotted path into a sub-document', { 'b.c': 1 }, { _id: i(1), b: { c: i(2) } }],
  ['nested specification', { b: { d: 1 } }, { _id: i(1), b: { d: i(3) } }],
  ['dotted path into an array of documents (scalars dropped)', { 'items.x': 1 }, { _id: i(1), items: [{ x: i(1) }, { x: i(3) }] }],
  ['dotted path, example from MongoDB', { 'a.b': 1 }, { _id: 1, a: [{ b: 1 }, { b: 3 }] }, { _id: 1, a: [{ b: 1, c: 2 }, { b: 3 }] }],
  ['nested arrays are walked', { 'a.b': 1 }, { _id: 1, a: [[{ b: 1 }]] }, { _id: 1, a: [[{ b: 1, c: 1 }], 5] }],
  ['dotted path on a scalar drops the field', { 's.t': 1 }, { _id: i(1) }],
  ['dotted path on a document without it leaves {}', { 'b.z': 1 }, { _id: i(1), b: {} }],
  ['missing field is omitted', { nope: 1 }, { _id: i(1) }],
]));

describe('exclusion', () => table([
  ['removes the field', { a: 0 }, { _id: i(1), b: { c: i(2), d: i(3) }, arr: doc().arr, items: doc().items, s: 'x' }],
  ['false excludes', { a: false, b: false, arr: 0, items: 0 }, { _id: i(1), s: 'x' }],
  ['_id: 0 alone', { _id: 0 }, { a: d(5), b: { c: i(2), d: i(3) }, arr: doc().arr, items: doc().items, s: 'x' }],
  ['_id: 1 with exclusions', { _id: 1, a: 0, b: 0, arr: 0, items: 0 }, { _id: i(1), s: 'x' }],
  ['dotted exclusion in a sub-document', { 'b.c': 0, arr: 0, items: 0 }, { _id: i(1), a: d(5), b: { d: i(3) }, s: 'x' }],
  ['dotted exclusion in an array of documents keeps scalars', { 'items.x': 0, arr: 0, b: 0 },
    { _id: i(1), a: d(5), items: [{ y: i(2) }, { y: i(4) }, i(7)], s: 'x' }],
  ['empty projection returns everything', {}, doc()],
]));

describe('$slice', () => {
  const all = (arr: unknown[]) => ({ ...doc(), arr });
  table([
    ['alone: every field, the array sliced', { arr: { $slice: 2 } }, all([i(1), i(2)])],
    ['negative count takes the last n', { arr: { $slice: -2 } }, all([i(4), i(5)])],
    ['[skip, limit]', { arr: { $slice: [1, 2] } }, all([i(2), i(3)])],
    ['[negative skip, limit]', { arr: { $slice: [-2, 1] } }, all([i(4)])],
    ['skip past the end', { arr: { $slice: [10, 2] } }, all([])],
    ['count beyond the length', { arr: { $slice: 10 } }, all(doc().arr as unknown[])],
    ['with exclusion: exclusion for the other fields', { arr: { $slice: 1 }, a: 0 },
      { _id: i(1), b: { c: i(2), d: i(3) }, arr: [i(1)], items: doc().items, s: 'x' }],
    ['with inclusion: included, in document order', { arr: { $slice: 1 }, a: 1 }, { _id: i(1), a: d(5), arr: [i(1)] }],
    ['with _id: 1 it is an inclusion', { _id: 1, arr: { $slice: 1 } }, { _id: i(1), arr: [i(1)] }],
    ['a non-array is returned as is', { s: { $slice: 1 }, arr: 0, items: 0, b: 0 }, { _id: i(1), a: d(5), s: 'x' }],
    ['dotted path into arrays of documents', { 'q.t': { $slice: 1 } }, { _id: 1, q: [{ t: [1], u: 1 }, { t: [3] }] },
      { _id: 1, q: [{ t: [1, 2], u: 1 }, { t: [3] }] }],
  ]);
});

describe('$elemMatch', () => table([
  ['alone it is an inclusion of the first match', { items: { $elemMatch: { x: { $gt: i(1) } } } }, { _id: i(1), items: [{ x: i(3), y: i(4) }] }],
  ['comes after the other included fields', { items: { $elemMatch: { x: 1 } }, s: 1, a: 1 },
    { _id: i(1), a: d(5), s: 'x', items: [{ x: i(1), y: i(2) }] }],
  ['no match omits the field', { items: { $elemMatch: { x: 99 } }, a: 1 }, { _id: i(1), a: d(5) }],
  ['with exclusion it stays in place', { a: 0, b: 0, arr: 0, items: { $elemMatch: { x: 3 } } },
    { _id: i(1), items: [{ x: i(3), y: i(4) }], s: 'x' }],
  ['value conditions on scalar elements', { arr: { $elemMatch: { $gt: 3 } } }, { _id: i(1), arr: [i(4)] }],
]));

describe('errors', () => {
  const cases: Array<[string, Document, number, (string | RegExp)?]> = [
    ['exclusion in an inclusion', { a: 1, b: 0 }, 31254, 'Cannot do exclusion on field b in inclusion projection'],
    ['inclusion in an exclusion', { a: 0, b: 1 }, 31253, 'Cannot do inclusion on field b in exclusion projection'],
    ['nested mix', { a: 1, b: { c: 0 } }, 31254],
    ['path collision', { b: 1, 'b.c': 1 }, 31249, /^Path collision at b\.c/],
    ['$slice limit must be positive', { arr: { $slice: [1, 0] } }, 31259],
    ['$slice bad argument', { arr: { $slice: 'x' } }, 31273],
    ['$elemMatch on a nested field', { 'b.c': { $elemMatch: { x: 1 } } }, 31275],
    ['positional projection is not supported', { 'arr.$': 1 }, 2],
    ['expressions are not supported', { a: { $add: [1, 2] } }, 2],
  ];
  for (const [name, spec, code, message] of cases) {
    test(name, () => assertEngineError(() => compileProjection(spec), code, message));
  }
});

describe('values', () => {
  test('values are passed through, not converted', () => {
    const input = { _id: new Long(1), a: d(5), b: { c: [i(1)] } };
    const out = compileProjection({ a: 1, b: 1 })(input);
    assert.equal(out._id, input._id);
    assert.equal(out.a, input.a);
    assert.equal(out.b && (out.b as Document).c, input.b.c);
  });

  test('one compiled projection applies to many documents', () => {
    const p = compileProjection({ 'b.c': 0 });
    assertDoc(p({ _id: 1, b: { c: 1, d: 2 } }), { _id: 1, b: { d: 2 } });
    assertDoc(p({ _id: 2, b: [{ c: 1 }, 3] }), { _id: 2, b: [{}, 3] });
    assertDoc(p({ _id: 3 }), { _id: 3 });
  });
});
