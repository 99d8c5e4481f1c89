// Regular expressions from users (filters, $expr, ACL predicates) run on RE2 (re2js), which takes
// time linear in the input whatever the pattern: `(a+)+$` cannot hang the server.
//
// Measured 2026-12-05 on this machine (2 cores, busy; Node 24.21; every case in its own process,
// all options in one run). ns per test() over 1000 strings of ~30 chars after warm-up, 3 runs:
//
//                                ample123.org   ^abc /i     ample123.org /i
//   V8 irregexp (before)         39-178         36-184      59-185
//   V8 + fallback flags (*)      67-212         42-75       66-151
//   V8 linear engine (`l` flag)  2421-3255      refused     refused
//   re2 1.27 (native addon)      1067-2417      853-1475    1701-2207
//   re2js 2.10 (pure JS)         95-460         352-566     258-487
//   re2-wasm 1.0.2               1892-3237      2351-3823   1553-2052
//   (a quieter run: irregexp 35-103, re2js 86-370, re2 770-1200)
//
// One catastrophic test, first call (compilation included), s = 'a'×30 + 'b' unless noted:
//
//                          (a+)+$     (a|aa)+$   (a+)+$ /i  (.*a){20} (**)  (a+)+$, 'a'×100k + 'b'
//   V8 irregexp            > 10 s     334 ms     > 10 s     > 10 s          > 10 s
//   V8 + fallback flags    1.7 ms     10.5 ms    > 10 s     8.8 s           14 ms
//   V8 linear engine       0.08 ms    0.06 ms    refused    refused         13.8 ms
//   re2 native             0.09 ms    0.09 ms    0.09 ms    0.12 ms         0.44 ms
//   re2js                  5.6 ms     5.7 ms     3.5 ms     17.8 ms         15.8 ms
//   re2-wasm               11.3 ms    11.7 ms    13.7 ms    14.9 ms         24 ms
//   (*) --enable-experimental-regexp-engine-on-excessive-backtracks (50k backtracks)
//   (**) on 'x'×19 + 'a'×19 + 'b'×100
//
// Why re2js: V8's linear engine cannot run case-insensitive or unicode patterns, counted
// repetitions such as (.*a){20}, lookaround or backreferences, so with the fallback flags `(a+)+$`
// with option i still hangs the server. The native re2 costs ~1-2 µs a call (strings cross into
// C++ as UTF-8) and installs a prebuilt binary from GitHub, else builds with node-gyp: 1m43-4m09
// here, against the headers of the node that runs npm (the system's v20 built it for the wrong
// ABI), which CI cannot fetch. re2-wasm is unmaintained and slower still. re2js is pure JS, has no
// dependency, and costs 0.1-0.5 µs a test.
//
// Semantics: the pattern must parse as RE2 and as a JavaScript RegExp (mingo receives one, `view`),
// and runs with RE2's meaning, which is PCRE's (MongoDB's) for \A \z \Q…\E [[:alpha:]] \pL
// \x{41}, an ASCII \s \d \w, and `.` stopping only at \n. RE2 refuses backreferences, lookahead,
// lookbehind, atomic groups and possessive quantifiers: such patterns are a 400, not a slow path.
// Known difference: PCRE's `$` (without m) also matches before a final \n, RE2's does not.
import { BSONRegExp } from 'bson';
import { RE2JS } from 're2js';
import { BAD_VALUE, EngineError } from '../errors.ts';
import { classEnd, plainRegex, requiredLiteral } from './regex-literal.ts';

/** MongoDB's limit on a pattern's length. */
const MAX_PATTERN = 32764;
const CACHE_SIZE = 1000;

const badValue = (message: string) => new EngineError(BAD_VALUE, 'BadValue', message);

export class SafeRegex {
  /** The JavaScript RegExp mingo carries around; never executed. */
  readonly view: RegExp;
  #re: RE2JS | undefined;
  readonly #compile: () => RE2JS;
  /** a literal every match contains (regex-literal.ts): most strings are refused without RE2 */
  readonly #literal: string | undefined;
  /** for a pattern without quantifiers: V8 tests it safely, and RE2 is compiled only for exec */
  readonly #plain: RegExp | undefined;

  constructor(view: RegExp, compile: () => RE2JS, compiled: RE2JS | undefined, plain: RegExp | undefined, literal: string | undefined) {
    this.view = view;
    this.#compile = compile;
    this.#re = compiled;
    this.#plain = plain;
    this.#literal = literal;
  }

  /** a literal every match contains, if the pattern tells one */
  get literal(): string | undefined {
    return this.#literal;
  }

  get #engine(): RE2JS {
    return (this.#re ??= this.#compile());
  }

  test(s: string): boolean {
    if (this.#literal !== undefined && !s.includes(this.#literal)) return false;
    return this.#plain ? this.#plain.test(s) : this.#engine.test(s);
  }

  /** As RegExp.prototype.exec of a non-global RegExp: groups, named groups, UTF-16 index. */
  exec(s: string): RegExpExecArray | null {
    return this.#engine.exec(s) as RegExpExecArray | null;
  }

  /**
   * $regexFind's matches (one, or all as $regexFindAll): non-overlapping, an empty match moves on
   * by one code point, `idx` counts code points, an unmatched group is null.
   */
  matches(input: string, all: boolean): { match: string; idx: number; captures: (string | null)[] }[] {
    const m = this.#engine.matcher(input);
    const out = [];
    let pos = 0;
    let idx = 0;
    do {
      if (!m.find(pos)) break;
      const start = m.start();
      const end = m.end();
      idx += codePoints(input, pos, start);
      const captures = [];
      for (let g = 1; g <= m.groupCount(); g++) captures.push(m.group(g));
      out.push({ match: input.slice(start, end), idx, captures });
      if (start === end) {
        if (start >= input.length) break;
        pos = start + (input.codePointAt(start)! > 0xffff ? 2 : 1);
        idx++;
      } else {
        idx += codePoints(input, start, end);
        pos = end;
      }
    } while (all && pos < input.length);
    return out;
  }
}

/** Code points in s[from, to): a low surrogate after a high one is the same code point. */
function codePoints(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const low = s.charCodeAt(k) >= 0xdc00 && s.charCodeAt(k) <= 0xdfff;
    if (!low || k === from || s.charCodeAt(k - 1) < 0xd800 || s.charCodeAt(k - 1) > 0xdbff) n++;
  }
  return n;
}

const cache = new Map<string, SafeRegex | EngineError>();

/**
 * A MongoDB regular expression (pattern and $options: i, m, s, x, u) as a safe matcher, cached.
 * Throws BadValue (400) for an invalid or unsupported pattern.
 */
export function safeRegex(pattern: string, options = ''): SafeRegex {
  // checked first, so that a key (options/pattern) is never ambiguous
  for (const f of options) if (!'imsxu'.includes(f)) throw badValue(`invalid flag in regex options: ${f}`);
  const key = `${options}/${pattern}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = compile(pattern, options);
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      hit = e;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, hit);
  }
  if (hit instanceof EngineError) throw hit;
  return hit;
}

/**
 * A RegExp or BSONRegExp as a safe matcher, with its own options unless `options` is given;
 * undefined for any other value.
 */
export function safeRegexOf(value: unknown, options?: string): SafeRegex | undefined {
  if (value instanceof BSONRegExp) return safeRegex(value.pattern, options ?? value.options);
  if (!(value instanceof RegExp)) return undefined;
  // RegExp.source escapes line terminators; RE2 reads \n and \r but not \u2028/\u2029
  const source = value.source.replace(/(?<!\\)((?:\\\\)*)\\u(2028|2029)/g, (_, bs: string, hex: string) => bs + String.fromCharCode(Number.parseInt(hex, 16)));
  return safeRegex(source, options ?? [...value.flags].filter((f) => 'ims'.includes(f)).join(''));
}

/** The RegExp mingo sees for a BSON regex: MongoDB's options that JavaScript lacks applied (x). */
export function regexView(pattern: string, options: string): RegExp {
  return new RegExp(sourceOf(pattern, options), [...new Set(options)].filter((f) => 'ims'.includes(f)).sort().join(''));
}

const sourceOf = (pattern: string, options: string) => (options.includes('x') ? stripExtended(pattern) : pattern);

function compile(pattern: string, options: string): SafeRegex {
  if (pattern.length > MAX_PATTERN) throw badValue('Regular expression is too long');
  if (pattern.includes('\0')) throw badValue('Regular expression cannot contain an embedded null byte');
  let flags = 0;
  if (options.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
  if (options.includes('m')) flags |= RE2JS.MULTILINE;
  if (options.includes('s')) flags |= RE2JS.DOTALL;
  const re = () => {
    try {
      return RE2JS.compile(sourceOf(pattern, options), flags);
    } catch (e) {
      throw badValue(`Regular expression is invalid or not supported: ${(e as Error).message} (regular expressions run in `
        + 'linear time: no backreferences, lookahead, lookbehind, atomic groups or possessive quantifiers)');
    }
  };
  const plain = plainRegex(pattern, options);
  // RE2's verdict first: a pattern it cannot run is refused as such
  const compiled = plain ? undefined : re();
  try {
    return new SafeRegex(regexView(pattern, options), re, compiled, plain, requiredLiteral(pattern, options));
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: /, '');
    throw badValue(`Regular expression is not supported: ${why} (it must also be a valid JavaScript regular expression)`);
  }
}

const PATTERN_WHITE_SPACE = '\t\n\v\f\r \u0085\u200e\u200f\u2028\u2029';

/** PCRE's extended mode: unescaped whitespace and #-comments outside character classes dropped. */
export function stripExtended(pattern: string): string {
  let out = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '\\') {
      if (pattern[k + 1] === 'Q') {
        const end = pattern.indexOf('\\E', k + 2);
        const stop = end < 0 ? pattern.length : end + 2;
        out += pattern.slice(k, stop);
        k = stop - 1;
      } else {
        out += pattern.slice(k, k + 2);
        k++;
      }
    } else if (c === '[') {
      const end = classEnd(pattern, k);
      out += pattern.slice(k, end);
      k = end - 1;
    } else if (c === '#') {
      const nl = pattern.indexOf('\n', k);
      k = nl < 0 ? pattern.length : nl;
    } else if (!PATTERN_WHITE_SPACE.includes(c)) {
      out += c;
    }
  }
  return out;
}
