// The shortcuts of regex-literal.ts must never change an answer: a required literal is really in
// every match, and a plain pattern's V8 RegExp answers as RE2 does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RE2JS } from 're2js';
import { plainRegex, requiredLiteral } from '../../src/engine/regex-literal.ts';
import { safeRegex } from '../../src/engine/regex.ts';

test('required literals: found in simple patterns, none where a match may lack them', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['ample123.org', '', 'ample123'], ['^abc', '', 'abc'], ['abc', 'i', undefined], ['abc', 'x', undefined],
    ['ab|cd', '', undefined], ['abcd?e', '', 'abc'], ['xyz(abc)?qqqq', '', 'qqqq'], ['a(b|c)defg', '', 'defg'],
    ['\\.com$', '', '.com'], ['foo\\dbar', '', 'foo'], ['ab+cd', '', undefined], ['abc+d', '', 'abc'],
    ['\\x41bcd', '', undefined], ['[abc]defg', '', 'defg'], ['[]abc]xyz', '', 'xyz'], ['abc{2}de', '', undefined],
    ['hello{0,1}world', '', 'world'], ['(a+)+$', '', undefined], ['a.*bcd', '', 'bcd'], ['\\Qabc\\E', '', undefined],
  ];
  for (const [pattern, options, want] of cases) assert.equal(requiredLiteral(pattern, options), want, `${pattern} /${options}`);
});

test('plain patterns: only literals, escaped punctuation, ., ^ and $', () => {
  for (const p of ['a+', '(ab)', 'a|b', '[ab]', 'a\\d', 'a{2}', 'a^b', 'a$b', '\\1']) assert.equal(plainRegex(p, ''), undefined, p);
  assert.equal(plainRegex('abc', 'i'), undefined);
  assert.equal(plainRegex('abc', 'm'), undefined);
  assert.ok(plainRegex('ample123.org', ''));
});

test('the shortcuts answer exactly as RE2 does', () => {
  const patterns: Array<[string, string]> = [
    ['ample123.org', ''], ['ample123.org', 's'], ['^abc$', ''], ['a\\-b\\.c', ''], ['é😀.x', ''], ['a.b', ''], ['^.$', ''],
    ['xyz(abc)?qqqq', ''], ['abc+d', ''], ['[abc]defg', ''], ['a.*bcd', ''], ['hello{0,1}world', ''],
  ];
  const inputs = ['', 'abc', 'xabc', 'abc\n', 'http://example123.org/x', 'ample123\norg', 'ample1234org', 'a-b.c', 'a-bxc',
    'zé😀😀x', 'zé😀-x', 'a\rb', 'a\nb', '😀', 'xyzqqqq', 'xyzabcqqqq', 'abccccd', 'abd', 'bdefg', 'a bcd', 'hellworld', 'helloworld', 'hellooworld'];
  for (const [p, o] of patterns) {
    const reference = RE2JS.compile(p, o.includes('s') ? RE2JS.DOTALL : 0);
    const safe = safeRegex(p, o);
    for (const s of inputs) assert.equal(safe.test(s), reference.test(s), `/${p}/${o} on ${JSON.stringify(s)}`);
  }
});
