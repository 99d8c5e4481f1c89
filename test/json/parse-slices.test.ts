// parseJsonInSlices: the same values and the same errors as parseJson, with the items of a
// top-level array parsed in slices that give way in between.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, parseJson, parseJsonInSlices } from '../../src/json/parse.ts';

/** a slice of 0 ms gives way after every item: the pauses are counted */
async function sliced(text: string): Promise<{ value: unknown; pauses: number }> {
  let pauses = 0;
  const value = await parseJsonInSlices(text, async () => void pauses++, 0);
  return { value, pauses };
}

async function errorOf(f: () => unknown): Promise<JsonSyntaxError> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof JsonSyntaxError, String(e));
    return e;
  }
  assert.fail('no error');
}

describe('parseJsonInSlices', () => {
  const same = ['[]', ' [ ] ', '[{"a":1},{"b":[1,2,{"c":"x"}]},{$oid:"5d0b3ab3f4c0e3cf3f4bc8e1"}]', '[1,2,3,]', '[{"a":1}]\n', '{"a":[1,2]}', '"x"', '7', '[[1],[2,[3]]]'];
  for (const text of same) {
    it(`gives parseJson's value: ${text.trim()}`, async () => {
      assert.deepEqual((await sliced(text)).value, parseJson(text));
    });
  }

  it('gives way between the items of a top-level array, not inside them', async () => {
    assert.equal((await sliced('[{"a":[1,2,3]},{"b":{"c":[4,5]}},{"d":6}]')).pauses, 2);
    assert.equal((await sliced('{"a":[1,2,3,4]}')).pauses, 0);
  });

  const bad = ['[1,,2]', '[1 2]', '[{"a":1}', '[1]x', '[{"a":}]', '[', '[1,]]'];
  for (const text of bad) {
    it(`raises parseJson's error: ${text}`, async () => {
      const want = await errorOf(() => parseJson(text));
      const got = await errorOf(() => sliced(text));
      assert.equal(got.message, want.message);
    });
  }
});
