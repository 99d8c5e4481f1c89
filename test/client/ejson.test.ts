// The client's Extended JSON codec: each value type both ways, table-driven, and what the server
// answers in each jsonMode decoded to the same values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSONRegExp, Binary, Decimal128, Double, EJSON, MAXKEY, MINKEY, ObjectId, Timestamp } from '../../src/client/index.ts';

const OID = '0123456789abcdef01234567';

const CASES: Array<{ name: string; value: unknown; wire: string; also?: string[] }> = [
  { name: 'ObjectId', value: new ObjectId(OID), wire: `{"$oid":"${OID}"}` },
  { name: 'Date', value: new Date(1568295769260), wire: '{"$date":{"$numberLong":"1568295769260"}}', also: ['{"$date":1568295769260}', '{"$date":"2019-09-12T13:42:49.26Z"}'] },
  { name: 'Int64 as bigint', value: 2n ** 63n - 1n, wire: '{"$numberLong":"9223372036854775807"}' },
  { name: 'Decimal128 kept as text', value: new Decimal128('0.1000000000000000000000000000000001'), wire: '{"$numberDecimal":"0.1000000000000000000000000000000001"}' },
  { name: 'an integer', value: 42, wire: '42', also: ['{"$numberInt":"42"}'] },
  { name: 'a double', value: 1.5, wire: '1.5', also: ['{"$numberDouble":"1.5"}'] },
  { name: 'NaN', value: Number.NaN, wire: '{"$numberDouble":"NaN"}' },
  { name: '-Infinity', value: -Infinity, wire: '{"$numberDouble":"-Infinity"}' },
  { name: 'Binary', value: new Binary(new Uint8Array([1, 2, 255]), 4), wire: '{"$binary":{"base64":"AQL/","subType":"04"}}' },
  { name: 'Timestamp', value: new Timestamp(1700000000, 7), wire: '{"$timestamp":{"t":1700000000,"i":7}}' },
  { name: 'regular expression', value: new BSONRegExp('^a.*', 'i'), wire: '{"$regularExpression":{"pattern":"^a.*","options":"i"}}' },
  { name: 'MinKey, MaxKey', value: [MINKEY, MAXKEY], wire: '[{"$minKey":1},{"$maxKey":1}]' },
  { name: 'nested', value: { a: [{ b: new ObjectId(OID) }], c: null, 'd.e': 'x' }, wire: `{"a":[{"b":{"$oid":"${OID}"}}],"c":null,"d.e":"x"}` },
  { name: 'an operator object stays as it is', value: { $gt: 1, $in: [1, 2] }, wire: '{"$gt":1,"$in":[1,2]}' },
];

for (const c of CASES) {
  test(`EJSON: ${c.name}`, () => {
    assert.equal(EJSON.stringify(c.value), c.wire);
    for (const w of [c.wire, ...(c.also ?? [])]) assert.deepEqual(EJSON.parse(w), c.value, w);
  });
}

test('EJSON: a Double is sent as a double even when integral, and read back as a number', () => {
  assert.equal(EJSON.stringify({ x: new Double(2), y: new Double(-0) }), '{"x":{"$numberDouble":"2.0"},"y":{"$numberDouble":"-0.0"}}');
  assert.deepEqual(EJSON.parse('{"x":{"$numberDouble":"2.0"}}'), { x: 2 });
});

test('EJSON: undefined properties are left out; a Uint8Array is binary subtype 0', () => {
  assert.equal(EJSON.stringify({ a: undefined, b: new Uint8Array([0]) }), '{"b":{"$binary":{"base64":"AA==","subType":"00"}}}');
});

test('ObjectId: new ones are unique, 24 hex digits, with their creation time', () => {
  const a = new ObjectId();
  const b = new ObjectId();
  assert.match(a.hex, /^[0-9a-f]{24}$/);
  assert.notEqual(a.hex, b.hex);
  assert.ok(Math.abs(a.getTimestamp().getTime() - Date.now()) < 60_000);
  assert.throws(() => new ObjectId('xyz'), /not an ObjectId/);
});
