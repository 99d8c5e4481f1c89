// The admission sketch of the document and result caches: counts per key, and their ageing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrequencySketch, hashPair, hashString } from '../../../src/engine/embedded/admission.ts';

test('a key asked for twice counts 2; a key never asked for counts 0 even among many others', () => {
  const s = new FrequencySketch(1000);
  const keys = Array.from({ length: 900 }, (_, i) => hashString(`c1${String.fromCharCode(0, 1, i & 255, i >> 8)}`));
  for (const h of keys) s.increment(h);
  s.increment(keys[7]!);
  assert.equal(s.frequency(keys[7]!), 2);
  const unseen = Array.from({ length: 200 }, (_, i) => hashString(`c2${i}`));
  // ObjectId-like keys differ only in their last bytes: the hash must still spread them
  assert.ok(unseen.filter((h) => s.frequency(h) > 0).length <= 2);
});

test('counts halve after as many requests as the cache holds entries, so old popularity fades', () => {
  const s = new FrequencySketch(100);
  const hot = hashString('hot');
  for (let i = 0; i < 8; i++) s.increment(hot);
  assert.equal(s.frequency(hot), 8);
  for (let i = 0; i < 100; i++) s.increment(hashString(`other${i}`));
  assert.ok(s.frequency(hot) <= 4);
});

test('halving divides each counter by two exactly, whatever its neighbours hold', () => {
  const s = new FrequencySketch(1000);
  // a hash below 2^16 counts in four neighbouring counters (slot()): key 1 saturates counters 1-4,
  // key 0 (counters 0-3) is asked for twice, so its count is counter 0's, next to a saturated one
  for (let r = 0; r < 15; r++) s.increment(1);
  s.increment(0);
  s.increment(0);
  assert.equal(s.frequency(0), 2);
  assert.equal(s.frequency(1), 15);
  // the sketch ages on its 1000th increment that raised a counter
  let n = 0;
  while (s.frequency(1) === 15) s.increment(hashString(`filler${n++}`));
  assert.equal(n, 1000 - 17);
  assert.equal(s.frequency(0), 1);
  assert.equal(s.frequency(1), 7);
});

test('hashPair(a, b) is hashString(`${a}/${b}`)', () => {
  for (const [a, b] of [['c4', '07d0b3ab3f4c0e3cf3f4bc8e1'], ['', ''], ['t', 'é中😀'], ['long_table_name_9', 'x'.repeat(100)]]) {
    assert.equal(hashPair(a!, b!), hashString(`${a}/${b}`));
  }
});
