// The embedded engine's aggregation limits (README "Aggregations"): the 64 MB safety limit on what
// enters the in-memory part and on the results, and the query engine answering a leading $match.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_INPUT_BYTES } from '../../../src/engine/embedded/aggregate.ts';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Collection } from '../../../src/engine/types.ts';
import { EngineError } from '../../../src/errors.ts';

async function fails(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof EngineError && e.code === code && message.test(e.message));
}

describe('embedded aggregations: the safety limit', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let big: Collection;
  const DOC_BYTES = 100_000;
  const docs = Math.ceil(MAX_INPUT_BYTES / DOC_BYTES) + 10;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-aggregate-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
    big = engine.db('db').collection('big');
    const pad = 'x'.repeat(DOC_BYTES);
    await big.bulkWrite(Array.from({ length: docs }, (_, n) => ({ insertOne: { document: { _id: n, pad } } })));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a pipeline reading more than the limit fails with 292, naming the limit', async () => {
    await fails(big.aggregate([{ $group: { _id: null, n: { $sum: 1 } } }]), 292, /64 MB/);
    await fails(big.aggregate([]), 292, /64 MB/);
    await fails(engine.db('db').collection('small').aggregate([{ $lookup: { from: 'big', localField: 'a', foreignField: 'b', as: 'x' } }]), 292, /64 MB/);
  });

  test('a leading $match narrows the input below it (answered by the query engine)', async () => {
    const out = await big.aggregate([{ $match: { _id: { $lt: 10 } } }, { $group: { _id: null, n: { $sum: 1 } } }]);
    assert.equal(Number(out[0]!.n), 10);
    const firstTwo = await big.aggregate([{ $sort: { _id: -1 } }, { $limit: 2 }, { $project: { _id: 1 } }]);
    assert.deepEqual(firstTwo.map((d) => Number(d._id)), [docs - 1, docs - 2]);
  });

  test('results past the limit fail with 292 as well', async () => {
    const one = engine.db('db').collection('one');
    await one.insertOne({ _id: 1 });
    const explode = [
      { $project: { i: { $range: [0, Math.ceil(MAX_INPUT_BYTES / 1000) + 1000] } } }, { $unwind: '$i' },
      { $addFields: { s: { $literal: 'y'.repeat(1000) } } },
    ];
    await fails(one.aggregate(explode), 292, /results.*64 MB/);
  });
});
