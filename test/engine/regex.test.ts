// The safe regular expressions of src/engine/regex.ts: catastrophic patterns are answered, MongoDB's
// options keep their meaning, and what RE2 cannot run is a BadValue (2), never a slow path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BSONRegExp } from 'bson';
import { Query } from '../../src/engine/mingo-context.ts';
import { safeRegex, safeRegexOf, stripExtended } from '../../src/engine/regex.ts';
import { EngineError } from '../../src/errors.ts';

const EVIL = 'a'.repeat(30) + 'b';

function refused(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof EngineError && e.code === 2 && e.codeName === 'BadValue' && message.test(e.message));
}

describe('catastrophic patterns are answered', () => {
  for (const [pattern, options, input] of [
    ['(a+)+$', '', EVIL], ['(a|aa)+$', '', EVIL], ['(a+)+$', 'i', EVIL], ['(a|a?)+c$', 'u', EVIL],
    ['(.*a){20}', '', 'x'.repeat(19) + 'a'.repeat(19) + 'b'.repeat(100)], ['^(\\w+\\s?)*$', '', `${'word '.repeat(20)}!`],
  ]) {
    test(`/${pattern}/${options}`, () => assert.equal(safeRegex(pattern!, options).test(input!), false));
  }
  test('in a mingo query: $regex, a regex value, $in, $all, $not, $expr with $regexMatch', () => {
    const doc = { s: EVIL, arr: [EVIL] };
    for (const filter of [
      { s: { $regex: '(a+)+$' } }, { s: /(a+)+$/ }, { s: { $in: [/(a|aa)+$/] } }, { arr: { $all: [/(a+)+$/] } },
      { s: { $regex: '(a+)+$', $options: 'ix' } }, { $expr: { $regexMatch: { input: '$s', regex: '(a+)+$' } } },
    ]) assert.equal(new Query(filter).test(doc), false, JSON.stringify(filter));
    assert.equal(new Query({ s: { $not: /(a+)+$/ } }).test(doc), true);
    // mingo matches a date against a RegExp built from the format's separators
    const date = { $dateFromString: { dateString: '$d', format: '%Y-%m-%d(a+)+%H' } };
    assert.throws(() => new Query({ $expr: { $eq: [date, null] } }).test({ d: `2020-01-01${EVIL}10` }), /format .* is not supported/);
    assert.equal(new Query({ s: { $regex: '(a+)+b$' } }).test(doc), true);
  });
});

describe('what RE2 cannot run in linear time is refused with BadValue', () => {
  for (const pattern of ['(a)\\1', '(?=a)a', '(?!a)b', '(?<=a)b', '(?<!a)b', 'a++', '(?>a)']) {
    test(pattern, () => refused(() => safeRegex(pattern), /not supported.*linear time/));
  }
  test('invalid patterns, flags, null bytes and overlong patterns', () => {
    refused(() => safeRegex('('), /^Regular expression is invalid or not supported: .*missing closing \)/);
    refused(() => safeRegex('a', 'g'), /invalid flag in regex options: g/);
    refused(() => safeRegex('a\0'), /null byte/);
    refused(() => safeRegex('a'.repeat(40000)), /too long/);
  });
  test('a refused pattern is refused again (cached)', () => {
    refused(() => safeRegex('(b)\\1'), /not supported/);
    refused(() => safeRegex('(b)\\1'), /not supported/);
  });
  test('in a mingo query, at compile time', () => {
    assert.throws(() => new Query({ s: { $regex: '(a)\\1' } }), /not supported/);
    assert.throws(() => new Query({ s: /(a)\1/ }), /not supported/);
    assert.throws(() => new Query({ s: { $in: [/(?=a)/] } }), /not supported/);
  });
});

describe('MongoDB options', () => {
  test('i, m, s', () => {
    assert.equal(safeRegex('^ABC', 'i').test('abc'), true);
    assert.equal(safeRegex('^bc').test('a\nbc'), false);
    assert.equal(safeRegex('^bc', 'm').test('a\nbc'), true);
    assert.equal(safeRegex('a.b').test('a\nb'), false);
    assert.equal(safeRegex('a.b', 's').test('a\nb'), true);
  });
  test('u changes nothing: a code point is one character either way', () => {
    assert.equal(safeRegex('^.$').test('\u{1F600}'), true);
    assert.equal(safeRegex('^.$', 'u').test('\u{1F600}'), true);
  });
  test('x drops unescaped whitespace and #-comments outside classes', () => {
    assert.equal(stripExtended('a b\t# comment\n c'), 'abc');
    assert.equal(stripExtended('a[ #]b'), 'a[ #]b');
    assert.equal(stripExtended('[]# ]x'), '[]# ]x');
    assert.equal(stripExtended('[^]# ]x'), '[^]# ]x');
    assert.equal(stripExtended('[[:space:] ] a'), '[[:space:] ]a');
    assert.equal(stripExtended('a\\ b \\# c'), 'a\\ b\\#c');
    assert.equal(stripExtended('\\Q a # b\\E c'), '\\Q a # b\\Ec');
    assert.equal(safeRegex('a b c # letters', 'x').test('xabcx'), true);
    assert.equal(safeRegex('a b c', 'xi').test('ABC'), true);
    assert.equal(safeRegex('a[ ]b', 'x').test('a b'), true);
  });
  test('RE2 syntax that PCRE shares', () => {
    assert.equal(safeRegex('\\Aab\\z').test('ab'), true);
    assert.equal(safeRegex('^[[:alpha:]]+$').test('abc'), true);
    assert.equal(safeRegex('\\Qa.b\\E').test('axb'), false);
    assert.equal(safeRegex('^\\x{41}$').test('A'), true);
  });
  test('patterns JavaScript cannot parse are invalid (mingo needs a RegExp)', () => {
    refused(() => safeRegex('(?i)abc'), /JavaScript/);
  });
});

describe('safeRegexOf and matches', () => {
  test('RegExp and BSONRegExp, with their own options or given ones', () => {
    assert.equal(safeRegexOf(/a\/b/i)!.test('A/B'), true);
    assert.equal(safeRegexOf(new RegExp('a\u2028b'))!.test('a\u2028b'), true);
    assert.equal(safeRegexOf(new BSONRegExp('a b', 'x'))!.test('ab'), true);
    assert.equal(safeRegexOf(/a b/, 'x')!.test('ab'), true);
    assert.equal(safeRegexOf('a'), undefined);
    assert.equal(safeRegex('ab', 'i'), safeRegex('ab', 'i'));
  });
  test('$regexFind semantics: code point indexes, null for unmatched groups, empty matches move on', () => {
    assert.deepEqual(safeRegex('(a)|(b)').matches('\u{1F600}ab', true), [
      { match: 'a', idx: 1, captures: ['a', null] }, { match: 'b', idx: 2, captures: [null, 'b'] },
    ]);
    assert.deepEqual(safeRegex('x*').matches('\u{1F600}ab', true).map((m) => m.idx), [0, 1, 2]);
    assert.deepEqual(safeRegex('x*').matches('', true), [{ match: '', idx: 0, captures: [] }]);
    assert.deepEqual(safeRegex('[0-9]+').matches('a1b22', false), [{ match: '1', idx: 1, captures: [] }]);
    assert.deepEqual(safeRegex('^b').matches('ab', true), []);
  });
});
