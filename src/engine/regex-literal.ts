// A literal every match of a pattern must contain, found by reading the pattern: `ample123.org`
// needs "ample123". A string without it cannot match, and String.prototype.includes says so in
// ~10 ns where the linear-time engine (regex.ts) takes 100–300 ns. RE2 has such prefilters in C++;
// re2js has none, hence this reader. It answers only for simple patterns and otherwise says
// nothing (undefined), which is always safe.

const META = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);
const MIN_LITERAL = 3;
const CLASS_ESCAPES = 'dwsDWSbB';

/** The index after the character class opening at `open` (a `]` first in it is a literal). */
export function classEnd(p: string, open: number): number {
  let k = open + 1;
  if (p[k] === '^') k++;
  if (p[k] === ']') k++;
  for (; k < p.length; k++) {
    if (p[k] === '\\') k++;
    else if (p[k] === '[' && p[k + 1] === ':') {
      const close = p.indexOf(':]', k + 2);
      if (close >= 0) k = close + 1;
    } else if (p[k] === ']') return k + 1;
  }
  return p.length;
}

/** The index after the group or class opening at `open`, or -1 when it does not close. */
function closeOf(p: string, open: number): number {
  if (p[open] === '[') return classEnd(p, open);
  let depth = 0;
  for (let k = open; k < p.length; k++) {
    const c = p[k];
    if (c === '\\') k++;
    else if (c === '[') {
      k = classEnd(p, k) - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return k + 1;
  }
  return -1;
}

/**
 * The longest literal run (at least 3 characters) that every match contains, or undefined. Only
 * top-level runs count: groups and classes are skipped, a character followed by ?, * or {…} is
 * optional, and a pattern with a top-level | has no required literal.
 */
export function requiredLiteral(pattern: string, options: string): string | undefined {
  if (options.includes('i') || options.includes('x')) return undefined;
  const runs: string[] = [];
  let run = '';
  const end = () => {
    if (run.length >= MIN_LITERAL) runs.push(run);
    run = '';
  };
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '|') return undefined;
    if (c === '(' || c === '[') {
      end();
      const after = closeOf(pattern, k);
      if (after < 0) return undefined;
      k = after - 1;
      continue;
    }
    if (c === '\\') {
      const next = pattern[k + 1];
      if (next === undefined) return undefined;
      k++;
      if (CLASS_ESCAPES.includes(next)) {
        end();
        continue;
      }
      // \x41, \p{L}, \Q…\E and other escapes that read on: not worth reading
      if (/[0-9A-Za-z]/.test(next)) return undefined;
      run += next;
    } else if (META.has(c)) {
      end();
      if (c === '{') {
        const close = pattern.indexOf('}', k);
        if (close < 0) return undefined;
        k = close;
      }
      continue;
    } else {
      run += c;
    }
    // a quantified character: optional (?, *, {…}) or repeated (+), so the run stops here
    const q = pattern[k + 1];
    if (q === '?' || q === '*' || q === '{' || q === '+') {
      if (q !== '+') run = run.slice(0, -1);
      end();
    }
  }
  end();
  return runs.reduce<string | undefined>((best, r) => (best === undefined || r.length > best.length ? r : best), undefined);
}

/**
 * A JavaScript RegExp with MongoDB's meaning for a pattern without quantifiers, groups, classes or
 * alternation (literals, escaped punctuation, `.`, a leading `^`, a trailing `$`): V8 runs it in
 * time proportional to input × pattern, and builds it in ~2 µs where RE2 takes ~70 µs, which
 * matters when every request sends a new pattern. `.` is written as PCRE reads it (anything but
 * \n; anything with s). Undefined for any other pattern.
 */
export function plainRegex(pattern: string, options: string): RegExp | undefined {
  if (/[^su]/.test(options)) return undefined;
  const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
  let source = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '\\') {
      const next = pattern.codePointAt(k + 1);
      if (next === undefined || /[0-9A-Za-z\s]/.test(String.fromCodePoint(next))) return undefined;
      source += hex(next);
      k += next > 0xffff ? 2 : 1;
    } else if (c === '.') source += options.includes('s') ? '[^]' : '[^\\n]';
    else if (c === '^' && k === 0) source += '^';
    else if (c === '$' && k === pattern.length - 1) source += '$';
    else if (META.has(c)) return undefined;
    else if (/[0-9A-Za-z_ ]/.test(c)) source += c;
    else {
      const cp = pattern.codePointAt(k)!;
      source += hex(cp);
      if (cp > 0xffff) k++;
    }
  }
  return new RegExp(source, 'u');
}
