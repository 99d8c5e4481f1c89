import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { JsonSyntaxError, parseJson } from '../../src/json/parse.ts';

const OID = '5d0b3ab3f4c0e3cf3f4bc8e1';
const bin = (b64: string, sub: number) => new Binary(Buffer.from(b64, 'base64'), sub);
const uuid = bin('Ej5FZ+ibEtOkVkJmFBdAAA==', 4);

const valid: Array<[string, string, unknown]> = [
  // standard JSON and the relaxed syntax
  ['standard', '{"a":"x","b":true,"c":false,"d":null,"e":[1,"y"],"f":{}}',
    { a: 'x', b: true, c: false, d: null, e: [new Int32(1), 'y'], f: {} }],
  ['single quotes', `{'a':'it\\'s "q"'}`, { a: `it's "q"` }],
  ['unquoted keys', '{a:1, $gt:2, a.b:3, _x$9:4}', { a: new Int32(1), $gt: new Int32(2), 'a.b': new Int32(3), _x$9: new Int32(4) }],
  ['whitespace anywhere', ' \n{ "a" :\t1 ,\r\n"b":[ 1 , 2 ] } \n', { a: new Int32(1), b: [new Int32(1), new Int32(2)] }],
  ['trailing commas tolerated', '{"a":[1,],}', { a: [new Int32(1)] }],
  ['duplicate keys: last wins', '{"a":1,"b":2,"a":3}', { a: new Int32(3), b: new Int32(2) }],
  ['escapes', String.raw`"\u00e9\n\t\"\\\/\b\f\r\'"`, 'é\n\t"\\/\b\f\r\''],
  ['raw string top level', '"x"', 'x'],
  // numbers
  ['int', '1', new Int32(1)],
  ['zero', '0', new Int32(0)],
  ['negative int', '-42', new Int32(-42)],
  ['int32 max', '2147483647', new Int32(2147483647)],
  ['int32 min', '-2147483648', new Int32(-2147483648)],
  ['past int32 max', '2147483648', Long.fromString('2147483648')],
  ['past int32 min', '-2147483649', Long.fromString('-2147483649')],
  ['beyond 2^53 exact', '9007199254740993', Long.fromString('9007199254740993')],
  ['int64 max', '9223372036854775807', Long.fromString('9223372036854775807')],
  ['int64 min', '-9223372036854775808', Long.fromString('-9223372036854775808')],
  ['1.0 stays a double', '1.0', new Double(1)],
  ['exponent', '1e3', new Double(1000)],
  ['negative fraction exponent', '-1.5E-3', new Double(-0.0015)],
  ['NaN', 'NaN', new Double(Number.NaN)],
  ['Infinity', 'Infinity', new Double(Number.POSITIVE_INFINITY)],
  ['-Infinity', '[-Infinity]', [new Double(Number.NEGATIVE_INFINITY)]],
  // Extended JSON v2
  ['$oid', `{"_id":{"$oid":"${OID}"}}`, { _id: ObjectId.createFromHexString(OID) }],
  ['$date ISO', '{"$date":"2019-09-12T13:42:49.26Z"}', new Date(1568295769260)],
  ['$date ISO offset', '{"$date":"2020-01-01T01:00:00.5+01:00"}', new Date(Date.UTC(2020, 0, 1, 0, 0, 0, 500))],
  ['$date date only', '{"$date":"2020-02-29"}', new Date(Date.UTC(2020, 1, 29))],
  ['$date $numberLong', '{"$date":{"$numberLong":"-1000"}}', new Date(-1000)],
  ['$date legacy millis', '{"$date":1568295769260}', new Date(1568295769260)],
  ['$numberInt', '{"$numberInt":"-7"}', new Int32(-7)],
  ['$numberLong', '{"$numberLong":"42"}', Long.fromNumber(42)],
  ['$numberDouble', '{"$numberDouble":"1.5"}', new Double(1.5)],
  ['$numberDouble integral', '{"$numberDouble":"2"}', new Double(2)],
  ['$numberDouble NaN', '{"$numberDouble":"NaN"}', new Double(Number.NaN)],
  ['$numberDouble -Infinity', '{"$numberDouble":"-Infinity"}', new Double(Number.NEGATIVE_INFINITY)],
  ['$numberDecimal', '{"$numberDecimal":"1.50"}', Decimal128.fromString('1.50')],
  ['$binary v2', '{"$binary":{"base64":"AQID","subType":"00"}}', bin('AQID', 0)],
  ['$binary v2 reversed, user subtype', '{"$binary":{"subType":"80","base64":"AQID"}}', bin('AQID', 0x80)],
  ['$binary legacy', '{"$binary":"AQID","$type":"05"}', bin('AQID', 5)],
  ['$binary legacy $type first', '{"$type":"0","$binary":"AQID"}', bin('AQID', 0)],
  ['$uuid', '{"$uuid":"123e4567-e89b-12d3-a456-426614174000"}', uuid],
  ['$timestamp', '{"$timestamp":{"t":1568295769,"i":3}}', new Timestamp({ t: 1568295769, i: 3 })],
  ['$timestamp i first, t > 2^31', '{"$timestamp":{"i":1,"t":4294967295}}', new Timestamp({ t: 4294967295, i: 1 })],
  ['$regularExpression', '{"$regularExpression":{"pattern":"^a.c","options":"si"}}', /^a.c/is],
  ['$regex + $options', '{"$regex":"^a","$options":"i"}', /^a/i],
  ['$options + $regex', '{"$options":"","$regex":"b"}', /b/],
  ['$regex query operator', '{"name":{"$regex":"^a","$options":"i"}}', { name: /^a/i }],
  ['$regex alone stays an operator', '{"name":{"$regex":"x"}}', { name: { $regex: 'x' } }],
  ['$regex with 3 keys stays an operator', '{"$regex":"x","$options":"i","y":1}', { $regex: 'x', $options: 'i', y: new Int32(1) }],
  ['PCRE-only flag keeps a BSONRegExp', '{"$regularExpression":{"pattern":"a b","options":"x"}}', new BSONRegExp('a b', 'x')],
  ['$minKey', '{"$minKey":1}', new MinKey()],
  ['$maxKey', '{"$maxKey":1}', new MaxKey()],
  ['$symbol', '{"$symbol":"s"}', 's'],
  ['$code', '{"$code":"return 1"}', new Code('return 1')],
  ['$code with $scope', '{"$code":"x","$scope":{"x":1}}', new Code('x', { x: new Int32(1) })],
  ['$undefined', '{"a":{"$undefined":true}}', { a: null }],
  // $-objects that are not type wrappers
  ['$gt stays plain', '{"a":{"$gt":1}}', { a: { $gt: new Int32(1) } }],
  ['$inc stays plain', '{"$inc":{"n":1}}', { $inc: { n: new Int32(1) } }],
  ['$type operator string', '{"f":{"$type":"string"}}', { f: { $type: 'string' } }],
  ['$type operator number', '{"f":{"$type":2}}', { f: { $type: new Int32(2) } }],
  ['$currentDate $type', '{"$currentDate":{"d":{"$type":"date"}}}', { $currentDate: { d: { $type: 'date' } } }],
  ['wrapper key not first', `{"x":1,"$oid":"${OID}"}`, { x: new Int32(1), $oid: OID }],
  // shell forms
  ['ObjectId()', `ObjectId("${OID}")`, ObjectId.createFromHexString(OID)],
  ['ObjectId single quotes', `{_id: ObjectId('${OID}')}`, { _id: ObjectId.createFromHexString(OID) }],
  ['ISODate()', 'ISODate("2019-09-12T13:42:49.260Z")', new Date(1568295769260)],
  ['ISODate() without offset', 'ISODate("2019-09-12T13:42:49")', new Date(1568295769000)],
  ['new Date(millis)', 'new Date(86400000)', new Date(86400000)],
  ['Date(millis)', 'Date(86400000)', new Date(86400000)],
  ['new Date(y, m, d)', 'new Date(2020, 0, 2)', new Date(Date.UTC(2020, 0, 2))],
  ['new Date(string)', 'new Date("2020-01-02T00:00:00Z")', new Date(Date.UTC(2020, 0, 2))],
  ['NumberLong(n)', 'NumberLong(5)', Long.fromNumber(5)],
  ['NumberLong("n")', 'NumberLong("-9223372036854775808")', Long.fromString('-9223372036854775808')],
  ['NumberInt(n)', 'NumberInt(3)', new Int32(3)],
  ['NumberInt("n")', 'NumberInt("-3")', new Int32(-3)],
  ['NumberDecimal("x")', 'NumberDecimal("1.10")', Decimal128.fromString('1.10')],
  ['NumberDecimal(number)', 'NumberDecimal(2.5)', Decimal128.fromString('2.5')],
  ['Timestamp(t, i)', 'Timestamp(1, 2)', new Timestamp({ t: 1, i: 2 })],
  ['BinData(sub, b64)', 'BinData(0, "AQID")', bin('AQID', 0)],
  ['new BinData', 'new BinData(4, "Ej5FZ+ibEtOkVkJmFBdAAA==")', uuid],
  ['UUID()', 'UUID("123e4567e89b12d3a456426614174000")', uuid],
  ['regex literal', '{a: /ab+c/i}', { a: /ab+c/i }],
  ['regex literal flags sorted', '/x/si', /x/is],
  ['regex literal escaped slash', '/a\\/b/', /a\/b/],
  ['MinKey', '[MinKey, MaxKey()]', [new MinKey(), new MaxKey()]],
  ['keywords', '[true, false, null, undefined]', [true, false, null, null]],
];

describe('parseJson: accepted dialect', () => {
  for (const [name, text, expected] of valid) {
    it(name, () => assert.deepStrictEqual(parseJson(text), expected));
  }

  it('keeps Int32, Long and Double distinct', () => {
    const v = parseJson('{"a":1,"b":1.0,"c":9007199254740993}') as Record<string, unknown>;
    assert.ok(v.a instanceof Int32);
    assert.ok(v.b instanceof Double);
    assert.ok(v.c instanceof Long);
    assert.equal((v.c as Long).toString(), '9007199254740993');
  });

  it('keeps key order, with a duplicate key staying in its first position', () => {
    assert.deepEqual(Object.keys(parseJson('{"b":1,"a":2,"b":3}') as object), ['b', 'a']);
  });

  it('turns a legacy $regex filter into a RegExp mingo can run', () => {
    const f = parseJson('{"name":{"$regex":"^a","$options":"i"}}') as { name: RegExp };
    assert.ok(f.name instanceof RegExp);
    assert.ok(f.name.test('Alice'));
    assert.ok(!f.name.test('Bob'));
  });

  it('accepts exactly 100 levels of nesting', () => {
    const v = parseJson('['.repeat(100) + ']'.repeat(100));
    let depth = 0;
    for (let x = v; Array.isArray(x); x = x[0]) depth++;
    assert.equal(depth, 100);
  });
});

const invalid: Array<[string, string, RegExp]> = [
  ['empty input', '', /^Unexpected end of input at position 0$/],
  ['blank input', '   ', /^Unexpected end of input at position 3$/],
  ['trailing garbage', '{"a":1} x', /^Unexpected character 'x' at position 8$/],
  ['two values', '1 2', /^Unexpected character '2' at position 2$/],
  ['unclosed object', '{"a":1', /^Unexpected end of input at position 6$/],
  ['missing value', '{"a":}', /^Unexpected character '}' at position 5$/],
  ['missing colon', '{"a" 1}', /^Unexpected character '1' at position 5$/],
  ['missing comma', '[1 2]', /^Unexpected character '2' at position 3$/],
  ['leading comma', '[,1]', /^Unexpected character ',' at position 1$/],
  ['double comma', '{"a":1,,}', /^Unexpected character ',' at position 7$/],
  ['number key', '{1:2}', /^Unexpected character '1' at position 1$/],
  ['unterminated string', '{"a":"abc', /^Unterminated string at position 5$/],
  ['unterminated after backslash', '"ab\\', /^Unterminated string at position 0$/],
  ['bad escape', '"a\\qb"', /^Invalid escape sequence '\\q' at position 2$/],
  ['bad unicode escape', '"\\u12x4"', /^Invalid unicode escape sequence at position 1$/],
  ['lone minus', '-', /^Invalid number at position 0$/],
  ['dangling point', '1.', /^Invalid number at position 0$/],
  ['dangling exponent', '1e+', /^Invalid number at position 0$/],
  ['leading point', '.5', /^Unexpected character '\.' at position 0$/],
  ['letters after number', '12ab', /^Invalid number at position 0$/],
  ['integer beyond 64 bits', '9223372036854775808', /does not fit in 64 bits at position 0$/],
  ['unknown identifier', '{"a":foo}', /^Unexpected identifier 'foo' at position 5$/],
  ['unknown constructor', 'new Foo(1)', /^Unknown constructor 'Foo' at position 4$/],
  ['bad $oid', '{"_id":{"$oid":"xyz"}}', /^Invalid \$oid: expected a 24-digit hex string at position 7$/],
  ['$oid not a string', '{"$oid":1}', /^Invalid \$oid/],
  ['$oid extra key', `{"$oid":"${OID}","x":1}`, /^Invalid \$oid: unexpected key 'x'/],
  ['bad $date string', '{"$date":"yesterday"}', /^Invalid \$date/],
  ['$date invalid day', '{"$date":"2021-02-29T00:00:00Z"}', /^Invalid \$date/],
  ['$date without offset', '{"$date":"2021-02-01T00:00:00"}', /^Invalid \$date/],
  ['$date out of range', '{"$date":{"$numberLong":"9223372036854775807"}}', /^Date out of range/],
  ['$numberInt overflow', '{"$numberInt":"2147483648"}', /^Invalid \$numberInt/],
  ['$numberInt not a string', '{"$numberInt":1}', /^Invalid \$numberInt/],
  ['$numberLong garbage', '{"$numberLong":"12a"}', /^Invalid \$numberLong/],
  ['$numberDouble garbage', '{"$numberDouble":"one"}', /^Invalid \$numberDouble/],
  ['$numberDecimal garbage', '{"$numberDecimal":"abc"}', /^Invalid decimal 'abc'/],
  ['$binary missing subType', '{"$binary":{"base64":"AQID"}}', /^Invalid \$binary/],
  ['$binary bad base64', '{"$binary":{"base64":"A!","subType":"00"}}', /^Invalid base64 data/],
  ['$uuid malformed', '{"$uuid":"123"}', /^Invalid UUID '123'/],
  ['$timestamp missing i', '{"$timestamp":{"t":1}}', /^Invalid \$timestamp/],
  ['$regularExpression missing options', '{"$regularExpression":{"pattern":"a"}}', /^Invalid \$regularExpression/],
  ['$regularExpression bad option', '{"$regularExpression":{"pattern":"a","options":"g"}}', /^Invalid regular expression option 'g'/],
  ['$minKey not 1', '{"$minKey":2}', /^Invalid \$minKey/],
  ['$undefined false', '{"$undefined":false}', /^Invalid \$undefined/],
  ['unterminated regex', '/abc', /^Unterminated regular expression at position 0$/],
  ['regex literal bad flag', '/abc/g', /^Invalid regular expression option 'g'/],
  ['ObjectId bad hex', 'ObjectId("zz")', /^Invalid arguments for ObjectId\(\) at position 0$/],
  ['NumberInt of a double', 'NumberInt(1.5)', /^Invalid arguments for NumberInt\(\)/],
  ['NumberLong of garbage', 'NumberLong("x")', /^Invalid arguments for NumberLong\(\)/],
  ['ISODate garbage', 'ISODate("garbage")', /^Failed to parse string as a date: garbage/],
  ['Timestamp one arg', 'Timestamp(1)', /^Invalid arguments for Timestamp\(\)/],
  ['constructor without parens', 'ObjectId', /^Unexpected end of input/],
  ['constructor unclosed', 'NumberLong(1', /^Unexpected end of input/],
];

describe('parseJson: errors', () => {
  for (const [name, text, message] of invalid) {
    it(name, () => {
      assert.throws(() => parseJson(text), (e: unknown) => {
        assert.ok(e instanceof JsonSyntaxError, `not a JsonSyntaxError: ${String(e)}`);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it('exposes the position', () => {
    assert.throws(() => parseJson('{"a":1} x'), (e: unknown) => e instanceof JsonSyntaxError && e.position === 8);
  });

  for (const [name, open, close] of [['arrays', '[', ']'], ['objects', '{"a":', '}']] as const) {
    it(`rejects 101 levels of nested ${name}`, () => {
      const text = open.repeat(101) + '1' + close.repeat(101);
      assert.throws(() => parseJson(text), /^JsonSyntaxError: Maximum nesting depth of 100 exceeded at position/);
    });
  }

  it('rejects a million open brackets without overflowing the stack', () => {
    assert.throws(() => parseJson('['.repeat(1_000_000)), JsonSyntaxError);
  });
});

describe('parseJson: prototype pollution', () => {
  it('stores __proto__ as an own data property', () => {
    const v = parseJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.ok(Object.hasOwn(v, '__proto__'));
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, { polluted: new Int32(1) });
    assert.equal(v.polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('does the same for unquoted and nested __proto__ keys', () => {
    const v = parseJson("{a:{__proto__:{isAdmin:true}}, 'b':[{'__proto__':1}]}") as { a: Record<string, unknown>; b: Array<Record<string, unknown>> };
    assert.equal(v.a.isAdmin, undefined);
    assert.deepEqual(Object.keys(v.a), ['__proto__']);
    assert.equal(Object.getPrototypeOf(v.b[0]), Object.prototype);
  });

  it('keeps constructor.prototype as plain data', () => {
    const v = parseJson('{"constructor":{"prototype":{"x":1}}}') as Record<string, unknown>;
    assert.equal((Object.prototype as Record<string, unknown>).x, undefined);
    assert.ok(Object.hasOwn(v, 'constructor'));
  });
});
