// The query-result cache of one collection version: past its entry cap it drops its oldest result,
// not all of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResultCache } from '../../../src/engine/embedded/doc-cache.ts';

test('a collection with more repeated queries than the cap keeps all but the oldest', () => {
  const cache = new ResultCache<number>(() => 8);
  const keys = Array.from({ length: 1025 }, (_, i) => `q${i}`);
  // a result is kept from its second request on
  for (const k of keys) {
    cache.get('t', 1, k);
    cache.get('t', 1, k);
    cache.set('t', 1, k, 1);
  }
  assert.equal(cache.get('t', 1, 'q0'), undefined, 'the oldest went');
  assert.equal(cache.get('t', 1, 'q1'), 1);
  assert.equal(cache.get('t', 1, 'q1024'), 1);
  assert.equal(cache.get('t', 2, 'q1'), undefined, 'another version of the collection sees none');
});
