import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { javaDouble, parseJsonMode, renderJson, type JsonMode } from '../../src/json/render.ts';
import { parseJson } from '../../src/json/parse.ts';

const MODES: JsonMode[] = ['default', 'relaxed', 'extended', 'strict', 'shell'];
const OID = '5d0b3ab3f4c0e3cf3f4bc8e1';
const MS = 1568295769260; // 2019-09-12T13:42:49.260Z

// value, then the expected output in: default, relaxed, extended, strict, shell
const table: Array<[string, unknown, string, string, string, string, string]> = [
  ['Int32', new Int32(-1), '-1', '-1', '{"$numberInt":"-1"}', '-1', '-1'],
  ['Long', Long.fromString('9007199254740993'), '9007199254740993', '9007199254740993',
    '{"$numberLong":"9007199254740993"}', '{"$numberLong":"9007199254740993"}', 'NumberLong("9007199254740993")'],
  ['small Long', Long.fromNumber(-5), '-5', '-5', '{"$numberLong":"-5"}', '{"$numberLong":"-5"}', 'NumberLong(-5)'],
  ['Long min', Long.fromString('-9223372036854775808'), '-9223372036854775808', '-9223372036854775808',
    '{"$numberLong":"-9223372036854775808"}', '{"$numberLong":"-9223372036854775808"}', 'NumberLong("-9223372036854775808")'],
  ['Long max', Long.fromString('9223372036854775807'), '9223372036854775807', '9223372036854775807',
    '{"$numberLong":"9223372036854775807"}', '{"$numberLong":"9223372036854775807"}', 'NumberLong("9223372036854775807")'],
  ['Long -2^53', Long.fromString('-9007199254740992'), '-9007199254740992', '-9007199254740992',
    '{"$numberLong":"-9007199254740992"}', '{"$numberLong":"-9007199254740992"}', 'NumberLong("-9007199254740992")'],
  ['Long past int32', Long.fromString('-2147483649'), '-2147483649', '-2147483649',
    '{"$numberLong":"-2147483649"}', '{"$numberLong":"-2147483649"}', 'NumberLong("-2147483649")'],
  ['Double 1.0', new Double(1), '1.0', '1.0', '{"$numberDouble":"1.0"}', '1.0', '1.0'],
  ['Double 1e10', new Double(1e10), '1.0E10', '1.0E10', '{"$numberDouble":"1.0E10"}', '1.0E10', '1.0E10'],
  ['Double NaN', new Double(Number.NaN), '{"$numberDouble":"NaN"}', '{"$numberDouble":"NaN"}', '{"$numberDouble":"NaN"}', 'NaN', 'NaN'],
  ['Double -Infinity', new Double(-Infinity), '{"$numberDouble":"-Infinity"}', '{"$numberDouble":"-Infinity"}',
    '{"$numberDouble":"-Infinity"}', '-Infinity', '-Infinity'],
  ['Date', new Date(MS), `{"$date":${MS}}`, '{"$date":"2019-09-12T13:42:49.26Z"}', `{"$date":{"$numberLong":"${MS}"}}`,
    `{"$date":${MS}}`, 'ISODate("2019-09-12T13:42:49.260Z")'],
  ['Date whole second', new Date(1577836800000), '{"$date":1577836800000}', '{"$date":"2020-01-01T00:00:00Z"}',
    '{"$date":{"$numberLong":"1577836800000"}}', '{"$date":1577836800000}', 'ISODate("2020-01-01T00:00:00.000Z")'],
  ['Date with 3 fraction digits', new Date(MS + 1), `{"$date":${MS + 1}}`, '{"$date":"2019-09-12T13:42:49.261Z"}',
    `{"$date":{"$numberLong":"${MS + 1}"}}`, `{"$date":${MS + 1}}`, 'ISODate("2019-09-12T13:42:49.261Z")'],
  ['Date with 1 fraction digit', new Date(MS - 60), `{"$date":${MS - 60}}`, '{"$date":"2019-09-12T13:42:49.2Z"}',
    `{"$date":{"$numberLong":"${MS - 60}"}}`, `{"$date":${MS - 60}}`, 'ISODate("2019-09-12T13:42:49.200Z")'],
  ['Date before 1970', new Date(-1), '{"$date":-1}', '{"$date":{"$numberLong":"-1"}}', '{"$date":{"$numberLong":"-1"}}',
    '{"$date":-1}', 'ISODate("1969-12-31T23:59:59.999Z")'],
  ['Date after 9999', new Date(253402300800000), '{"$date":253402300800000}', '{"$date":{"$numberLong":"253402300800000"}}',
    '{"$date":{"$numberLong":"253402300800000"}}', '{"$date":253402300800000}', 'new Date(253402300800000)'],
  ['ObjectId', ObjectId.createFromHexString(OID), `{"$oid":"${OID}"}`, `{"$oid":"${OID}"}`, `{"$oid":"${OID}"}`,
    `{"$oid":"${OID}"}`, `ObjectId("${OID}")`],
  ['Decimal128', Decimal128.fromString('1.50'), '{"$numberDecimal":"1.50"}', '{"$numberDecimal":"1.50"}',
    '{"$numberDecimal":"1.50"}', '{"$numberDecimal":"1.50"}', 'NumberDecimal("1.50")'],
  ['Binary', new Binary(Buffer.from([1, 2, 3]), 0), '{"$binary":{"base64":"AQID","subType":"00"}}',
    '{"$binary":{"base64":"AQID","subType":"00"}}', '{"$binary":{"base64":"AQID","subType":"00"}}',
    '{"$binary":"AQID","$type":"00"}', 'BinData(0,"AQID")'],
  ['Binary UUID subtype', new Binary(Buffer.from([0]), 4), '{"$binary":{"base64":"AA==","subType":"04"}}',
    '{"$binary":{"base64":"AA==","subType":"04"}}', '{"$binary":{"base64":"AA==","subType":"04"}}',
    '{"$binary":"AA==","$type":"04"}', 'BinData(4,"AA==")'],
  ['Binary user subtype', new Binary(Buffer.from([255]), 0x8a), '{"$binary":{"base64":"/w==","subType":"8A"}}',
    '{"$binary":{"base64":"/w==","subType":"8A"}}', '{"$binary":{"base64":"/w==","subType":"8A"}}',
    '{"$binary":"/w==","$type":"8A"}', 'BinData(138,"/w==")'],
  ['Timestamp', new Timestamp({ t: 4294967295, i: 7 }), '{"$timestamp":{"t":4294967295,"i":7}}',
    '{"$timestamp":{"t":4294967295,"i":7}}', '{"$timestamp":{"t":4294967295,"i":7}}',
    '{"$timestamp":{"t":4294967295,"i":7}}', 'Timestamp(4294967295,7)'],
  ['RegExp', /a\/b"/mi, '{"$regularExpression":{"pattern":"a/b\\"","options":"im"}}',
    '{"$regularExpression":{"pattern":"a/b\\"","options":"im"}}', '{"$regularExpression":{"pattern":"a/b\\"","options":"im"}}',
    '{"$regex":"a/b\\"","$options":"im"}', '/a\\/b"/im'],
  ['empty RegExp', new RegExp(''), '{"$regularExpression":{"pattern":"","options":""}}',
    '{"$regularExpression":{"pattern":"","options":""}}', '{"$regularExpression":{"pattern":"","options":""}}',
    '{"$regex":"","$options":""}', '//'],
  ['RegExp with JS-only flags', /x/gy, '{"$regularExpression":{"pattern":"x","options":""}}',
    '{"$regularExpression":{"pattern":"x","options":""}}', '{"$regularExpression":{"pattern":"x","options":""}}',
    '{"$regex":"x","$options":""}', '/x/'],
  ['BSONRegExp', new BSONRegExp('a b', 'xi'), '{"$regularExpression":{"pattern":"a b","options":"ix"}}',
    '{"$regularExpression":{"pattern":"a b","options":"ix"}}', '{"$regularExpression":{"pattern":"a b","options":"ix"}}',
    '{"$regex":"a b","$options":"ix"}', '/a b/ix'],
  ['MinKey', new MinKey(), '{"$minKey":1}', '{"$minKey":1}', '{"$minKey":1}', '{"$minKey":1}', 'MinKey'],
  ['MaxKey', new MaxKey(), '{"$maxKey":1}', '{"$maxKey":1}', '{"$maxKey":1}', '{"$maxKey":1}', 'MaxKey'],
  ['Code', new Code('f()', { n: new Int32(1) }), '{"$code":"f()","$scope":{"n":1}}', '{"$code":"f()","$scope":{"n":1}}',
    '{"$code":"f()","$scope":{"n":{"$numberInt":"1"}}}', '{"$code":"f()","$scope":{"n":1}}', '{"$code":"f()","$scope":{"n":1}}'],
  ['BSONSymbol', new BSONSymbol('sym'), '"sym"', '"sym"', '"sym"', '"sym"', '"sym"'],
  ['Uint8Array', new Uint8Array([1, 2, 3]), '{"$binary":{"base64":"AQID","subType":"00"}}',
    '{"$binary":{"base64":"AQID","subType":"00"}}', '{"$binary":{"base64":"AQID","subType":"00"}}',
    '{"$binary":"AQID","$type":"00"}', 'BinData(0,"AQID")'],
  ['bigint', 12345678901234567890n, '12345678901234567890', '12345678901234567890',
    '{"$numberLong":"12345678901234567890"}', '{"$numberLong":"12345678901234567890"}', 'NumberLong("12345678901234567890")'],
];

describe('renderJson: every type in every mode', () => {
  for (const [name, value, ...expected] of table) {
    for (let i = 0; i < MODES.length; i++) {
      it(`${name} in ${MODES[i]} mode`, () => {
        assert.equal(renderJson(value, MODES[i]), expected[i]);
        assert.equal(renderJson({ v: value }, MODES[i]), `{"v":${expected[i]}}`);
      });
    }
  }

  it('uses the default mode when none is given', () => {
    assert.equal(renderJson({ d: new Date(MS), l: Long.fromNumber(2) }), `{"d":{"$date":${MS}},"l":2}`);
  });
});

describe('renderJson: Java Double.toString form', () => {
  const doubles: Array<[number, string]> = [
    [0, '0.0'], [-0, '-0.0'], [2.5, '2.5'], [-3, '-3.0'], [100, '100.0'], [0.001, '0.001'], [1e-4, '1.0E-4'],
    [1.234e-5, '1.234E-5'], [9999999, '9999999.0'], [9999999.5, '9999999.5'], [1e7, '1.0E7'], [12345678, '1.2345678E7'],
    [123456789.125, '1.23456789125E8'], [1e21, '1.0E21'], [-1.5e300, '-1.5E300'], [5e-324, '4.9E-324'], [-1e-323, '-9.9E-324'], [1.5e-323, '1.5E-323'],
    [Number.MAX_VALUE, '1.7976931348623157E308'], [0.1 + 0.2, '0.30000000000000004'],
  ];
  for (const [x, s] of doubles) {
    it(`${Object.is(x, -0) ? '-0' : x} → ${s}`, () => {
      assert.equal(javaDouble(x), s);
      assert.equal(renderJson(new Double(x)), s);
    });
  }
});

describe('renderJson: plain values', () => {
  const plain: Array<[string, unknown, string]> = [
    ['string escaping', 'a"b\\c\n\u0001é', JSON.stringify('a"b\\c\n\u0001é')],
    ['lone surrogate', '\ud800', '"\\ud800"'],
    ['integer number', 42, '42'],
    ['fractional number', 1.5, '1.5'],
    ['large number', 1e21, '1e+21'],
    ['booleans and null', [true, false, null], '[true,false,null]'],
    ['undefined properties omitted', { a: undefined, b: 1, c: () => 1 }, '{"b":1}'],
    ['undefined array items are null', [undefined, 1], '[null,1]'],
    ['empty containers', { a: {}, b: [] }, '{"a":{},"b":[]}'],
    ['escaped keys', { 'a"b': 1, 'é\n': 2 }, '{"a\\"b":1,"é\\n":2}'],
    ['long keys and values', { ['k'.repeat(20) + '"']: 'v'.repeat(20) + '\t' }, `{"${'k'.repeat(20)}\\"":"${'v'.repeat(20)}\\t"}`],
    ['short strings needing escapes', ['\\', '\u001f', '"'], '["\\\\","\\u001f","\\""]'],
    ['nested', { a: [{ b: [new Int32(1), 'x'] }] }, '{"a":[{"b":[1,"x"]}]}'],
    ['null prototype object', Object.assign(Object.create(null), { a: 1 }), '{"a":1}'],
    ['a document with a _bsontype field stays a document', { _bsontype: 'Int32', value: 1 }, '{"_bsontype":"Int32","value":1}'],
    ['own __proto__ key', JSON.parse('{"__proto__":{"x":1}}'), '{"__proto__":{"x":1}}'],
    ['inherited properties are not rendered', Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } }), '{"own":2}'],
    ['objects with toJSON', { u: new URL('http://x/') }, '{"u":"http://x/"}'],
  ];
  for (const [name, value, expected] of plain) it(name, () => assert.equal(renderJson(value), expected));

  it('plain NaN renders like a Double NaN', () => {
    assert.equal(renderJson(Number.NaN), '{"$numberDouble":"NaN"}');
  });
});

describe('parseJsonMode', () => {
  const modes: Array<[string | undefined, JsonMode]> = [
    ['STRICT', 'strict'], ['Extended', 'extended'], ['relaxed', 'relaxed'], ['SHELL', 'shell'],
    [undefined, 'default'], ['', 'default'], ['bogus', 'default'], ['default', 'default'],
  ];
  for (const [v, m] of modes) it(`${String(v)} → ${m}`, () => assert.equal(parseJsonMode(v), m));
});

describe('round trips parse → render → parse', () => {
  // Every type, written so that each mode's output keeps the type (a Long beyond 32 bits, a non-integral date...).
  const source = `{
    "i": 1, "neg": -2147483648, "l": 9007199254740993, "ln": -9007199254740993, "d": 1.0, "d2": 2.5e-7, "d3": 1e100,
    "nan": NaN, "inf": Infinity, "s": "x\\"y", "b": true, "n": null,
    "oid": {"$oid": "${OID}"}, "date": {"$date": ${MS}}, "old": {"$date": -1}, "far": {"$date": {"$numberLong": "253402300800000"}},
    "dec": {"$numberDecimal": "-1.50E+3"}, "bin": {"$binary": {"base64": "AQID", "subType": "80"}},
    "uuid": {"$uuid": "123e4567-e89b-12d3-a456-426614174000"}, "ts": {"$timestamp": {"t": 4294967295, "i": 1}},
    "re": {"$regularExpression": {"pattern": "^a/b", "options": "mi"}}, "bre": {"$regularExpression": {"pattern": "a b", "options": "x"}},
    "min": {"$minKey": 1}, "max": {"$maxKey": 1}, "code": {"$code": "f()", "$scope": {"k": 1}},
    "arr": [1, 1.0, {"$numberLong": "4294967296"}, [{}]], "nested": {"a.b": {"$gt": 1}}, "__proto__": {"p": 1}
  }`;
  const doc = parseJson(source);
  for (const mode of MODES) {
    it(`every type survives ${mode} mode`, () => {
      const text = renderJson(doc, mode);
      assert.deepStrictEqual(parseJson(text), doc);
      assert.equal(renderJson(parseJson(text), mode), text);
    });
  }

  it('Int32, Double and Long stay distinct in default mode', () => {
    const text = '{"a":1,"b":1.0,"c":9007199254740993}';
    assert.equal(renderJson(parseJson(text)), text);
  });

  it('canonical extended JSON renders back identically', () => {
    const text = `{"a":{"$numberInt":"1"},"b":{"$numberLong":"2"},"c":{"$numberDouble":"1.0E-7"},"d":{"$date":{"$numberLong":"${MS}"}}}`;
    assert.equal(renderJson(parseJson(text), 'extended'), text);
  });

  it('a legacy $regex filter renders as $regularExpression', () => {
    assert.equal(renderJson(parseJson('{"name":{"$regex":"^a","$options":"i"}}')),
      '{"name":{"$regularExpression":{"pattern":"^a","options":"i"}}}');
  });
});
