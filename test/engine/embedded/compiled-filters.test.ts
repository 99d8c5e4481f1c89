// The compiled predicates over columns (predicate.ts, column-numbers.ts) must answer exactly what
// mingo, with MongoDB's semantics (mingo-context.ts), answers for the same documents: random
// documents of mixed types (NaN, infinities, -0, arrays, nested arrays, documents, strings, null,
// missing) and random filters of the compiled operators, before and after updates, seeded. A
// column loop that drops a matching row fails here (one that keeps too many is corrected by the
// row test that follows it).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import { compileFilter } from '../../../src/engine/embedded/query.ts';
import type { Collection, Filter } from '../../../src/engine/types.ts';
import { Double, Int32, Long, toView, type Document } from '../../../src/engine/values.ts';
import { random } from '../../helpers/random.ts';

const rnd = random(20261206);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const NUMBERS = [new Int32(-2), new Int32(0), new Int32(1), new Int32(2), new Double(1.5), new Double(-0), new Double(NaN),
  new Double(Infinity), new Double(-Infinity), Long.fromNumber(2), new Double(2)];
const OTHERS = ['1', 'a', '', null, true, false, new Date(5), { x: new Int32(1) }];

function value(depth = 0): unknown {
  const r = rnd();
  if (r < 0.55) return pick(NUMBERS);
  if (r < 0.75 || depth > 1) return pick(OTHERS);
  return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
}

function doc(i: number): Document {
  const d: Document = { _id: i };
  if (rnd() < 0.9) d.v = value();
  if (rnd() < 0.9) d.w = value();
  return d;
}

const OPS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'] as const;
const operand = () => (rnd() < 0.85 ? pick(NUMBERS) : pick(['1', 'a', null, true]));

function condition(): unknown {
  const r = rnd();
  if (r < 0.2) return operand();
  if (r < 0.3) return { $in: Array.from({ length: 1 + Math.floor(rnd() * 3) }, operand) };
  if (r < 0.35) return { $nin: Array.from({ length: 1 + Math.floor(rnd() * 3) }, operand) };
  if (r < 0.6) return { [pick(OPS)]: operand(), [pick(OPS)]: operand() };
  return { [pick(OPS)]: operand() };
}

function filter(): Filter {
  const r = rnd();
  if (r < 0.6) return { v: condition() };
  if (r < 0.8) return { v: condition(), w: condition() };
  return { [pick(['$and', '$or', '$nor'])]: [{ v: condition() }, { w: condition() }] };
}

describe('compiled filters agree with mingo', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let c: Collection;
  const docs = new Map<number, Document>();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-compiled-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
    c = engine.db('db').collection('mixed');
    for (let i = 0; i < 400; i++) docs.set(i, doc(i));
    await c.bulkWrite([...docs.values()].map((document) => ({ insertOne: { document } })));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = async (rounds: number) => {
    for (let n = 0; n < rounds; n++) {
      const f = filter();
      const matcher = compileFilter(f);
      const expected = [...docs.values()].filter((d) => matcher(toView(d) as Document, () => d)).map((d) => d._id as number);
      const got = (await c.find(f)).map((d) => toView(d._id) as number).sort((a, b) => a - b);
      assert.deepEqual(got, expected, `filter ${JSON.stringify(f)}`);
    }
  };

  test('400 random documents, 300 random filters', () => check(300));

  test('after updates that change values and types', async () => {
    for (let i = 0; i < 150; i++) {
      const id = Math.floor(rnd() * 400);
      const v = value();
      await c.updateOne({ _id: id }, { $set: { v } });
      docs.get(id)!.v = v;
    }
    await check(300);
  });
});
