// The document cache: entries per table and _id key, current while their table's stamp holds, and
// bounded: a full cache drops the oldest tenth of every table's entries and then admits only keys
// asked for before (admission.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DocCache, type Parsed } from '../../../src/engine/embedded/doc-cache.ts';

const key = (i: number) => Buffer.from(i.toString(16).padStart(8, '0'), 'hex');
const entry = (i: number): Parsed => ({ bytes: Buffer.from([i & 255]), rowid: i, stamp: 1 });

test('an entry answers for its own table and key only, while the stamp holds', () => {
  const c = new DocCache();
  c.set('a', key(1), entry(1));
  assert.equal(c.current('a', key(1), 1)?.rowid, 1);
  assert.equal(c.current('b', key(1), 1), undefined);
  assert.equal(c.current('a', key(2), 1), undefined);
  assert.equal(c.current('a', key(1), 2), undefined);
  c.set('b', key(1), entry(7));
  assert.equal(c.current('b', key(1), 1)?.rowid, 7);
  c.delete('a', key(1));
  assert.equal(c.current('a', key(1), 1), undefined);
  assert.equal(c.current('b', key(1), 1)?.rowid, 7);
  // a row read with other bytes drops its entry
  assert.equal(c.get('b', key(1), Buffer.from([9]), 1, 7), undefined);
  assert.equal(c.current('b', key(1), 1), undefined);
});

test('a full cache drops the oldest tenth of each table, then admits only keys asked for before', () => {
  const c = new DocCache();
  for (let i = 0; i < 6000; i++) c.set('a', key(i), entry(i));
  for (let i = 0; i < 4000; i++) c.set('b', key(i), entry(i));
  c.set('c', key(0), entry(0));
  const kept = (t: string, from: number, to: number) => {
    let n = 0;
    for (let i = from; i < to; i++) if (c.current(t, key(i), 1)) n++;
    return n;
  };
  assert.equal(kept('a', 0, 600), 0);
  assert.equal(kept('a', 600, 6000), 5400);
  assert.equal(kept('b', 0, 400), 0);
  assert.equal(kept('b', 400, 4000), 3600);
  assert.ok(c.current('c', key(0), 1));
  // full now: a key never asked for is not kept, one asked for twice is
  c.set('c', key(1), entry(1));
  assert.equal(c.current('c', key(1), 1), undefined);
  c.current('c', key(2), 1);
  c.current('c', key(2), 1);
  c.set('c', key(2), entry(2));
  assert.equal(c.current('c', key(2), 1)?.rowid, 2);
});
