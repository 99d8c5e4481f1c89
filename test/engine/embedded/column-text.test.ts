// The search text of a column (column-text.ts) must never miss a row: every row holding a string
// that contains the literal is a candidate, before and after writes, in every chunk, and a chunk
// or column over the limits leaves every row to the row-by-row test. (The engine contract's
// regex-search.ts checks the answers of whole queries.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Column } from '../../../src/engine/embedded/columns.ts';
import { MISSING, OPAQUE, UNSURE, type Cell } from '../../../src/engine/embedded/cells.ts';

/** Deterministic pseudo-random numbers (xorshift). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const WORDS = ['ab', 'needle', 'nee', 'dle', 'x\0needle', 'hay', 'a\0b', 'needles', 'eedl', ''];

function cellAt(rnd: () => number): Cell {
  const word = () => WORDS[Math.floor(rnd() * WORDS.length)]! + (rnd() < 0.5 ? WORDS[Math.floor(rnd() * WORDS.length)]! : '');
  const k = rnd();
  if (k < 0.5) return word();
  if (k < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => (rnd() < 0.8 ? word() : rnd() < 0.5 ? 7 : OPAQUE));
  if (k < 0.8) return UNSURE;
  if (k < 0.9) return MISSING;
  return 42;
}

const holds = (c: Cell | undefined, literal: string) =>
  typeof c === 'string' ? c.includes(literal) : Array.isArray(c) && c.some((x) => typeof x === 'string' && x.includes(literal));

/**
 * The rows the search leaves to the row test; checks it never drops one that holds a literal or
 * is UNSURE, and that next() skips exactly the rows may() refuses.
 */
function checkSearch(col: Column, literals: string[]): number {
  const search = col.search(literals)!;
  assert.ok(search);
  let candidates = 0;
  for (let r = 0; r < col.cells.length; r++) {
    const may = search.may(r);
    if (may) candidates++;
    else assert.ok(col.cells[r] !== UNSURE && !literals.some((l) => holds(col.cells[r], l)), `row ${r} holds one of ${JSON.stringify(literals)}`);
  }
  const walked = col.search(literals)!;
  let visited = 0;
  for (let r = 0; r < col.cells.length; r++) {
    const next = walked.next(r);
    for (; r < next; r++) assert.ok(!search.may(r), `next() skipped row ${r}`);
    if (r < col.cells.length && walked.may(r)) visited++;
  }
  assert.equal(visited, candidates);
  return candidates;
}

const expected = (col: Column, literals: string[]) => col.cells.filter((c) => c === UNSURE || literals.some((l) => holds(c, l))).length;

test('every row whose strings contain a literal is a candidate, in every chunk; few others are', () => {
  const rnd = random(7);
  const col = new Column('s');
  for (let r = 0; r < 10_000; r++) col.set(r, cellAt(rnd));
  for (const literals of [['needle'], ['eedl'], ['nee', 'dle'], ['ab'], ['b'], ['zzz'], ['needles']]) {
    assert.equal(checkSearch(col, literals), expected(col, literals), `${JSON.stringify(literals)}: only the rows that hold one, and UNSURE ones`);
  }
  assert.ok(col.size() > 0);
});

test('a literal with the separator or an empty one is not searched', () => {
  const col = new Column('s');
  col.set(0, 'a\0b');
  assert.equal(col.search(['a\0b']), undefined);
  assert.equal(col.search(['']), undefined);
  assert.equal(col.search([]), undefined);
});

test('writes: rows written after the text was built are candidates; a search trusts no write after it began', () => {
  const rnd = random(11);
  const col = new Column('s');
  for (let r = 0; r < 9000; r++) col.set(r, cellAt(rnd));
  checkSearch(col, ['needle']);
  const before = col.search(['needle'])!;
  col.set(4100, 'a needle now');
  col.set(9000, ['new', 'needle']);
  assert.ok(before.may(4100) && before.may(9000) && before.may(17), 'after a write, every row is tested');
  checkSearch(col, ['needle']);
  // many writes into one chunk: it is built again
  for (let r = 0; r < 600; r++) col.set(r, rnd() < 0.1 ? `x${r} needle` : `hay ${r}`);
  for (let r = 0; r < 600; r += 3) col.set(r, MISSING);
  checkSearch(col, ['needle']);
  // chunk 0 was built again; rows 4100 and 9000 stay candidates in theirs until it is
  assert.equal(checkSearch(col, ['x1']), expected(col, ['x1']) + 2);
});

test('a chunk over its limits, or a column over its character limit, leaves its rows to the row test', () => {
  const col = new Column('s');
  col.set(0, 'x'.repeat(1_100_000));
  col.set(1, 'needle');
  col.set(4096, 'needle');
  col.set(4097, 'hay');
  const search = col.search(['needle'])!;
  assert.ok(search.may(0) && search.may(1) && search.may(2), 'the oversized chunk: every row');
  assert.ok(search.may(4096) && !search.may(4097), 'a later chunk is searched');

  // 50k rows of ~210 characters: 10.5M characters, over the column's 8M
  const wide = new Column('s');
  for (let r = 0; r < 50_000; r++) wide.set(r, `${r % 1000 === 0 ? 'needle' : 'hay'}${'.'.repeat(200)}${r}`);
  const bare = wide.size();
  const s = wide.search(['needle'])!;
  const unsearched = Array.from({ length: 50_000 }, (_, r) => r).filter((r) => r % 1000 !== 0 && s.may(r));
  assert.ok(unsearched.length > 0 && unsearched.length < 25_000, `${unsearched.length} rows left to the row test`);
  for (let r = 0; r < 50_000; r += 1000) assert.ok(s.may(r));
  const textBytes = wide.size() - bare;
  assert.ok(textBytes > 0 && textBytes <= 2 * (8 << 20) + 8 * 50_000 + 1024 * 25, `${textBytes} bytes of text`);
});
