// `@user.<path>` and `@request.body.<path>` substitution in predicate text, done before parsing
// (SECURITY.md §7.4), as RESTHeart's AclVarsInterpolator does.
//
// Unlike RESTHeart's plain string replace, the values are written as quoted predicate strings with
// `\`, `'`, `%` and `$` escaped: a user name like `x') or true or ('` stays one string, and a body
// value like `%u` or `${id}` stays a literal instead of becoming an exchange attribute. Variables
// inside quoted strings are left alone.
import { randomBytes } from 'node:crypto';
import { isNumeric, isPlainObject, Decimal128, Long, ObjectId } from '../engine/values.ts';

const PREFIXES = ['@request.body', '@user'] as const;
// A variable's path runs up to the next blank or predicate punctuation.
const PATH_CHAR = /[^\s,()[\]{}='"]/;

function quote(s: string): string {
  return `'${s.replace(/[\\'%$]/g, (c) => `\\${c}`)}'`;
}

/** A fresh random string per occurrence: equal to nothing a request can supply. */
function neverMatches(): string {
  return `'unbound-${randomBytes(16).toString('hex')}'`;
}

function scalarText(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string': return v;
    case 'number': case 'bigint': case 'boolean': return String(v);
  }
  if (v instanceof Long || v instanceof Decimal128) return v.toString();
  if (isNumeric(v)) return String(v.valueOf());
  if (v instanceof ObjectId) return v.toHexString();
  // dates become epoch milliseconds, as in RESTHeart
  if (v instanceof Date) return String(v.getTime());
  return undefined;
}

/** Walks a dotted path; at each level the longest dotted run that is an own key wins (`a.b` as one key). */
function lookup(root: unknown, path: string[]): { found: boolean; value?: unknown } {
  if (path.length === 0) return { found: true, value: root };
  for (let n = path.length; n >= 1; n--) {
    const key = path.slice(0, n).join('.');
    if (isPlainObject(root) && Object.hasOwn(root, key)) {
      const r = lookup(root[key], path.slice(n));
      if (r.found) return r;
    } else if (Array.isArray(root) && n === 1 && /^\d+$/.test(key) && Number(key) < root.length) {
      return lookup(root[Number(key)], path.slice(1));
    }
  }
  return { found: false };
}

function render(value: unknown): string {
  if (Array.isArray(value)) {
    // non-scalar elements are dropped, as RESTHeart does
    const items = value.map(scalarText).filter((s): s is string => s !== undefined);
    return `{${items.map(quote).join(',')}}`;
  }
  const s = value === null || value === undefined ? undefined : scalarText(value);
  return s === undefined ? neverMatches() : quote(s);
}

function skipString(text: string, i: number): number {
  const q = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== q) j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

export function interpolate(text: string, user: Record<string, unknown> | undefined, body: unknown): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    // only at the start of a value: `admin@user.com` is a literal, not a variable
    const atStart = i === 0 || !PATH_CHAR.test(text[i - 1]!);
    const prefix = c === '@' && atStart ? PREFIXES.find((p) => text.startsWith(p, i)) : undefined;
    if (prefix === undefined) {
      out += c;
      i++;
      continue;
    }
    let j = i + prefix.length;
    while (j < text.length && PATH_CHAR.test(text[j]!)) j++;
    const rest = text.slice(i + prefix.length, j);
    if (rest !== '' && !rest.startsWith('.')) {
      // `@username` or `@requestX`: not a variable
      out += c;
      i++;
      continue;
    }
    const segs = rest.split('.').filter((s) => s !== '');
    const root = prefix === '@user' ? user : body;
    // a bare `@user` or a path into a missing account/body never matches either
    const r = segs.length > 0 && root !== undefined ? lookup(root, segs) : { found: false };
    out += r.found ? render(r.value) : neverMatches();
    i = j;
  }
  return out;
}
