// A document rendered from its BSON bytes (bson-json.ts) prints exactly what rendering its
// deserialized objects prints (render.ts), in every mode, for every type and every byte of text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, deserialize, serialize } from 'bson';
import { renderJson, type JsonMode } from '../../src/json/render.ts';
import { RawDocument } from '../../src/json/bson-json.ts';
import { cloneValue } from '../../src/engine/values.ts';
import { random } from '../helpers/random.ts';

const MODES: JsonMode[] = ['default', 'relaxed', 'extended', 'strict', 'shell'];

const parsed = (bytes: Uint8Array) => deserialize(bytes, { promoteValues: false, bsonRegExp: true });

function same(bytes: Uint8Array, label: string): void {
  for (const mode of MODES) {
    const expected = renderJson([parsed(bytes)], mode);
    assert.equal(renderJson([new RawDocument(bytes)], mode), expected, `${label} (${mode})`);
  }
}

const CHARS = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u0001', '\u001f', '\u007f', '\u0080', 'é', '€', '中', '😀', '\u2028', '$', '.'];

describe('JSON from BSON bytes', () => {
  it('prints each value as render.ts does, in every mode', () => {
    const values: Array<[string, unknown]> = [
      ['Int32', new Int32(-2147483648)], ['Int32 max', new Int32(2147483647)], ['Long small', Long.fromNumber(-5)],
      ['Long past 2^53', Long.fromString('9007199254740993')], ['Long min', Long.fromString('-9223372036854775808')],
      ['Long max', Long.fromString('9223372036854775807')], ['Long -2^53', Long.fromString('-9007199254740992')],
      ['Double', new Double(6.4)], ['Double integral', new Double(59)], ['Double -0', new Double(-0)], ['Double tiny', new Double(5e-324)],
      ['Double large', new Double(1e21)], ['Double 1e-7', new Double(1e-7)], ['Double NaN', new Double(Number.NaN)],
      ['Double Infinity', new Double(Infinity)], ['Double -Infinity', new Double(-Infinity)],
      ['Date', new Date(1568295769260)], ['Date before 1970', new Date(-1)], ['Date max', new Date(8.64e15)], ['Date min', new Date(-8.64e15)],
      ['ObjectId', new ObjectId('5d0b3ab3f4c0e3cf3f4bc8e1')], ['true', true], ['false', false], ['null', null],
      ['string', 'plain'], ['empty string', ''], ['every escape', CHARS.join('')],
      ['Binary', new Binary(Buffer.from([1, 2, 3]), 4)], ['Decimal128', Decimal128.fromString('1.10')],
      ['regex', new BSONRegExp('^a.*"/', 'mi')], ['Timestamp', new Timestamp({ t: 5, i: 7 })], ['MinKey', new MinKey()], ['MaxKey', new MaxKey()],
      ['Code', new Code('f()')], ['Code with scope', new Code('f()', { x: 1 })], ['Symbol', new BSONSymbol('sym')],
      ['empty document', {}], ['empty array', []], ['nested', { a: [1, [2, { b: [] }], { c: null }] }],
    ];
    for (const [label, v] of values) same(serialize({ _id: 1, v, after: 'x' }), label);
    same(serialize({ u: undefined }, { ignoreUndefined: false }), 'undefined');
  });

  it('a date beyond the range of a JS Date prints as bson reads it', () => {
    // written by hand: a Date object cannot hold it
    const bytes = Buffer.from(serialize({ d: Long.fromString('8640000000000001') }));
    bytes[4] = 0x09;
    same(bytes, 'date past 8.64e15');
    bytes.writeBigInt64LE(-8640000000000001n, 7);
    same(bytes, 'date before -8.64e15');
  });

  it('escapes keys and strings as JSON.stringify does, byte for byte', () => {
    for (let c = 0; c < 0x80; c++) {
      const s = String.fromCharCode(c);
      same(serialize({ [`k${c === 0 ? '' : s}`]: `v${s}v`, [`${c === 0 ? '' : s}`]: [s] }), `character ${c}`);
    }
  });

  it('matches on 500 seeded random documents', () => {
    const r = random(20261206);
    const text = () => Array.from({ length: Math.floor(r() * 12) }, () => CHARS[Math.floor(r() * CHARS.length)]).join('');
    const value = (depth: number): unknown => {
      switch (Math.floor(r() * (depth > 2 ? 9 : 11))) {
        case 0: return new Int32(Math.floor(r() * 2 ** 32) - 2 ** 31);
        case 1: return new Double((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
        case 2: return Long.fromBits(Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32) - 2 ** 31);
        case 3: return text();
        case 4: return new Date(Math.floor((r() - 0.5) * 2 * 8.64e15));
        case 5: return new ObjectId();
        case 6: return r() < 0.5;
        case 7: return null;
        case 8: return r() < 0.1 ? new Decimal128(Buffer.alloc(16, Math.floor(r() * 256))) : new Double(r());
        case 9: return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
        default: return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [text().replaceAll('\u0000', ''), value(depth + 1)]));
      }
    };
    for (let n = 0; n < 500; n++) {
      const doc = Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 8) }, (_, i) => [`f${i}${text().replaceAll('\u0000', '')}`, value(0)]));
      same(serialize(doc), `document ${n}`);
    }
  });

  it('renders a document larger than its scratch space, and the next one after it', () => {
    const big = serialize({ s: '"'.repeat(100_000), t: 'é'.repeat(50_000) });
    same(big, 'large document');
    same(serialize({ a: 1 }), 'small document after it');
  });

  it('renders every value that lands on the end of its scratch space', () => {
    // fields (plain strings and ints: their JSON is JSON.stringify's) after which `v`'s value
    // starts `before` bytes short of the 64 KiB the walk writes into
    function fill(before: number): Record<string, unknown> {
      const f: Record<string, unknown> = {};
      let o = 1;
      let i = 0;
      const add = (k: string, v: string | number) => {
        f[k] = typeof v === 'number' ? new Int32(v) : v;
        o += JSON.stringify(k).length + 1 + JSON.stringify(v).length + 1;
      };
      // strings reserve six bytes a byte: each takes a sixth of what is left
      while (65_536 - o > 1000) add(`s${i++}`, 'x'.repeat(Math.floor((65_536 - o - 200) / 6)));
      const gap = () => 65_536 - before - '"v":'.length - o;
      while (gap() > 15) add(`a${i++}`, 0);
      add('z', 10 ** (gap() - '"z":,'.length - 1));
      assert.equal(gap(), 0);
      return f;
    }
    const values: unknown[] = [new ObjectId('5d0b3ab3f4c0e3cf3f4bc8e1'), new Date(-1568295769260), new Date(-8.64e15), new Int32(-2147483648),
      Long.fromString('-9223372036854775808'), new Double(-1.2345678901234567e-300), 'é"\\\u0001', true, null];
    for (let before = 13; before <= 60; before++) {
      const f = fill(before);
      for (const [i, v] of values.entries()) {
        const bytes = serialize({ ...f, v });
        // compared without assert's diff of two 64 KiB texts
        assert.ok(renderJson([new RawDocument(bytes)]) === renderJson([parsed(bytes)]), `value ${i}, ${before} bytes before the end`);
      }
    }
  });

  it('bytes whose lengths lie fail as bson fails on them, without hanging or allocating their lies', () => {
    const good = Buffer.from(serialize({ a: 'text', b: { c: 1.5 }, d: [1, 2] }));
    const cases: Array<[string, (b: Buffer) => void]> = [
      ['no NUL after a key', (b) => b.fill(0x41, 4)],
      ['a string longer than its document', (b) => b.writeInt32LE(0x7fffffff, 7)],
      ['a negative string length', (b) => b.writeInt32LE(-5, 7)],
      ['a sub-document longer than its parent', (b) => b.writeInt32LE(b.length, 19)],
      ['a document length past the bytes', (b) => b.writeInt32LE(b.length + 100, 0)],
      ['a double cut short', (b) => b.writeInt32LE(b.length - 14, 0)],
    ];
    for (const [label, corrupt] of cases) {
      const bad = Buffer.from(good);
      corrupt(bad);
      let expected: unknown;
      try {
        renderJson([parsed(bad)]);
      } catch (e) {
        expected = e;
      }
      if (expected) assert.throws(() => renderJson([new RawDocument(bad)]), (e: unknown) => (e as Error).constructor === (expected as Error).constructor, label);
      else assert.equal(renderJson([new RawDocument(bad)]), renderJson([parsed(bad)]), label);
    }
  });

  it('keeps its default rendering; other modes are rendered again', () => {
    const d = new RawDocument(serialize({ a: new Date(0) }));
    assert.equal(d.json, undefined);
    assert.equal(renderJson(d), '{"a":{"$date":0}}');
    assert.equal(d.json, '{"a":{"$date":0}}');
    assert.equal(renderJson(d, 'relaxed'), '{"a":{"$date":"1970-01-01T00:00:00Z"}}');
    assert.equal(d.json, '{"a":{"$date":0}}');
  });

  it('a copy of it is the document built from its bytes', () => {
    const bytes = serialize({ a: new Int32(1), b: [new Double(2)] });
    const copy = cloneValue({ docs: [new RawDocument(bytes)] });
    assert.deepEqual(copy, { docs: [parsed(bytes)] });
  });
});
