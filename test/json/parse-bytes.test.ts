// parseJsonBytesInSlices: parse.ts's values and errors for a body given as bytes; the items of a
// top-level array found in the bytes (arrayItems), the rest left to parse.ts's own path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, parseJson } from '../../src/json/parse.ts';
import { arrayItems, parseJsonBytesInSlices } from '../../src/json/parse-bytes.ts';

const none = async () => undefined;
const bytes = (text: string) => Buffer.from(text, 'utf8');

async function outcome(f: () => unknown): Promise<{ value?: unknown; error?: string }> {
  try {
    return { value: await f() };
  } catch (e) {
    assert.ok(e instanceof JsonSyntaxError, String(e));
    return { error: `${e.message} at ${e.position}` };
  }
}

const asText = (b: Buffer) => (b.toString('utf8').trim() === '' ? undefined : parseJson(b.toString('utf8')));

// texts whose items the scan finds itself
const FOLLOWED = [
  '[]', ' [ ] ', '\n[\t{"a":1}\r\n]\n', '[1,2,3,]', '[[1],[2,[3]]]', '\ufeff[{"a":1}]',
  '[{"a":1},{"b":[1,2,{"c":"x"}]},{$oid:"5d0b3ab3f4c0e3cf3f4bc8e1"}]',
  '[{"s":"a,b]c}d{e[f"},{"t":"quote \\" comma , bracket ]"}]',
  `[{'s':'single "quoted", with ]'},{"u":'it\\'s'}]`,
  '[{"k":"\\\\"},{"k":"\\\\\\""}]',
  '[{"e":"é 中 😀 \\u00e9"},{"n":-1.5e3},{"l":NumberLong("9007199254740993")},{"d":ISODate("2020-01-01T00:00:00Z")}]',
  '[{unquoted: true, $gt: null}, {"nested": {"deep": [{"x": [[]]}]}}]',
  `[${'['.repeat(99)}${']'.repeat(99)}]`,
];
// texts left to parse.ts: a regex literal, non-ASCII between values, another top-level value, errors
const UNFOLLOWED = [
  '[{"r":/a,b]/i}]', '[\u00a0{"a":1}]', '[{"a":1}\u2028]', '{"a":[1,2]}', '"x"', '7', '', '   ', '\ufeff',
  '[1,,2]', '[,]', '[1 2]', '[{"a":1}', '[1]x', '[{"a":}]', '[', '[1,]]', '[{"a":1]}, 2]', '[[1}, 2]', '["open', '["esc\\',
  `[${'['.repeat(100)}${']'.repeat(100)}]`, '[{"a":NumberLong("99999999999999999999")}]', "['x', \"y\"]x",
];

describe('parseJsonBytesInSlices', () => {
  for (const text of [...FOLLOWED, ...UNFOLLOWED]) {
    it(`gives parseJson's value or error: ${JSON.stringify(text).slice(0, 60)}`, async () => {
      const b = bytes(text);
      assert.deepEqual(await outcome(() => parseJsonBytesInSlices(b, none, 0)), await outcome(() => asText(b)));
    });
  }

  it('keeps bytes that are not UTF-8 as decoding the whole body does', async () => {
    const b = Buffer.concat([bytes('[{"a":"'), Buffer.from([0xff, 0xc3]), bytes('"},{"b":"'), Buffer.from([0xe2, 0x82]), bytes('"}]')]);
    assert.deepEqual(await parseJsonBytesInSlices(b, none, 0), asText(b));
    assert.ok(await arrayItems(b, none, 0));
  });
});

describe('arrayItems', () => {
  for (const text of FOLLOWED.filter((t) => t.trim() !== '')) {
    it(`finds the items itself: ${JSON.stringify(text).slice(0, 60)}`, async () => {
      assert.deepEqual(await arrayItems(bytes(text), none, 0), parseJson(text.replace(/^\ufeff/, '')));
    });
  }
  for (const text of UNFOLLOWED) {
    it(`leaves it to parse.ts: ${JSON.stringify(text).slice(0, 60)}`, async () => {
      assert.equal(await arrayItems(bytes(text), none, 0), undefined);
    });
  }

  it('gives way between items once a slice is used, never inside one', async () => {
    let pauses = 0;
    const count = async () => void pauses++;
    await arrayItems(bytes('[{"a":[1,2,3]},{"b":{"c":[4,5]}},{"d":6}]'), count, 0);
    assert.equal(pauses, 2);
    pauses = 0;
    await arrayItems(bytes('[{"a":[1,2,3]},{"b":{"c":[4,5]}},{"d":6}]'), count, 60_000);
    assert.equal(pauses, 0);
  });
});
