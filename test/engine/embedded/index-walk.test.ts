// A walk of an index in its order (a sort by an indexed field, index-scan.ts inOrder) that gives
// way while writes land: a row written further on than the walk had got must not take the place of
// the rows between, which the walk has not judged yet.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Collection } from '../../../src/engine/types.ts';

const N = 20_000;
const MATCHING = new Set([1, 2, 19_000, 19_200]);

let dir: string;
let engine: EmbeddedEngine;
let c: Collection;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'docrest-index-walk-'));
  engine = new EmbeddedEngine(dir, { exclusive: true });
  c = engine.db('db').collection('walk');
  await c.bulkWrite(Array.from({ length: N }, (_, i) => ({ insertOne: { document: { _id: i, n: i, flag: MATCHING.has(i) } } })));
  await c.createIndex({ name: 'n', key: { n: 1 } });
});
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a match the walk had taken goes and one beyond it arrives: the rows between still come first', async () => {
  // few rows pass: the walk gives way many times before it reaches 19,000
  const reading = c.find({ flag: true }, { sort: [['n', 1]], limit: 3 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await c.deleteOne({ _id: 2 });
  await c.updateOne({ _id: 19_500 }, { $set: { flag: true } });
  const got = (await reading).map((d) => Number(d._id));
  assert.deepEqual(got, [1, 19_000, 19_200]);
});
