// updatedFields/removedFields of an update event, computed from the BSON of both versions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Double, Int32, serialize } from 'bson';
import { updateDescription } from '../../../src/engine/embedded/change-log.ts';
import type { Document } from '../../../src/engine/values.ts';

const bytes = (d: Document) => Buffer.from(serialize(d));

const cases: Array<{ name: string; before: Document; after: Document; updated: Document; removed: string[] }> = [
  { name: 'nothing changed', before: { _id: 1, a: 'x' }, after: { _id: 1, a: 'x' }, updated: {}, removed: [] },
  { name: 'a changed scalar', before: { _id: 1, qty: new Int32(1) }, after: { _id: 1, qty: new Int32(2) }, updated: { qty: new Int32(2) }, removed: [] },
  { name: 'the same number in another type is a change', before: { _id: 1, n: new Int32(1) }, after: { _id: 1, n: new Double(1) }, updated: { n: new Double(1) }, removed: [] },
  { name: 'a field of a sub-document on both sides, by its dotted path', before: { _id: 1, o: { a: 1, b: { c: 2, d: 3 } } }, after: { _id: 1, o: { a: 1, b: { c: 5, d: 3 } } }, updated: { 'o.b.c': 5 }, removed: [] },
  { name: 'a field removed inside a sub-document', before: { _id: 1, o: { a: 1, b: 2 } }, after: { _id: 1, o: { a: 1 } }, updated: {}, removed: ['o.b'] },
  { name: 'an array changed is reported whole', before: { _id: 1, t: [1, 2, 3] }, after: { _id: 1, t: [1, 2, 4] }, updated: { t: [1, 2, 4] }, removed: [] },
  { name: 'a document replacing a scalar is reported whole', before: { _id: 1, o: 1 }, after: { _id: 1, o: { a: 1 } }, updated: { o: { a: 1 } }, removed: [] },
  { name: 'added and removed top-level fields', before: { _id: 1, gone: true, kept: 'k' }, after: { _id: 1, kept: 'k', added: null }, updated: { added: null }, removed: ['gone'] },
  { name: 'names beyond ASCII', before: { _id: 1, 'clé': 'a' }, after: { _id: 1, 'clé': 'b' }, updated: { 'clé': 'b' }, removed: [] },
];

for (const c of cases) {
  test(`update description: ${c.name}`, () => {
    const d = updateDescription(bytes(c.before), bytes(c.after), c.after);
    assert.deepEqual(d.updatedFields, c.updated);
    assert.deepEqual(d.removedFields, c.removed);
  });
}
