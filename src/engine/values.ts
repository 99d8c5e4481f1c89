// The document model shared by every stage.
//
// "Exact" values are what bson.deserialize(buf, {promoteValues: false}) returns: numbers are the
// wrappers Int32, Double, Long, Decimal128, so a round trip keeps every BSON type. The relaxed
// JSON parser produces the same model.
//
// mingo (query, sort, aggregation) only understands JS numbers, so queries run on a "view": the
// same tree with every numeric wrapper turned into a JS number. Int64 beyond 2^53 and Decimal128
// lose precision in the view only; stored values stay exact.
import { Decimal128, Double, Int32, Long, ObjectId, Binary, Timestamp, MinKey, MaxKey, BSONRegExp, BSONSymbol, Code } from 'bson';
import { regexView } from './regex.ts';
import { RawDocument } from '../json/bson-json.ts';

export type Document = Record<string, unknown>;

export function isNumeric(v: unknown): v is number | Int32 | Double | Long | Decimal128 {
  return typeof v === 'number' || v instanceof Int32 || v instanceof Double || v instanceof Long || v instanceof Decimal128;
}

export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof Int32 || v instanceof Double) return v.value;
  if (v instanceof Long) return v.toNumber();
  if (v instanceof Decimal128) return Number.parseFloat(v.toString());
  return Number.NaN;
}

export function isPlainObject(v: unknown): v is Document {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The view of a value for mingo: numeric wrappers become JS numbers, BSONRegExp a RegExp, everything else is shared. */
export function toView(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = toView(v[i]);
      if (c !== v[i]) (out ??= v.slice())[i] = c;
    }
    return out ?? v;
  }
  if (isNumeric(v)) return numberOf(v);
  // mingo knows only JS regular expressions (x is applied to the pattern)
  if (v instanceof BSONRegExp) return regexView(v.pattern, v.options);
  if (!isPlainObject(v)) return v;
  let out: Document | undefined;
  for (const k in v) {
    const c = toView(v[k]);
    if (c !== v[k]) (out ??= { ...v })[k] = c;
  }
  return out ?? v;
}

// MongoDB's comparison order of BSON types (docs: "Comparison/Sort Order").
const Rank = { MinKey: 1, Null: 2, Number: 3, String: 4, Object: 5, Array: 6, Binary: 7, ObjectId: 8, Boolean: 9, Date: 10, Timestamp: 11, RegExp: 12, MaxKey: 13 } as const;

export function typeRank(v: unknown): number {
  if (v === null || v === undefined) return Rank.Null;
  switch (typeof v) {
    case 'number': case 'bigint': return Rank.Number;
    case 'string': return Rank.String;
    case 'boolean': return Rank.Boolean;
  }
  if (Array.isArray(v)) return Rank.Array;
  if (isNumeric(v)) return Rank.Number;
  if (v instanceof ObjectId) return Rank.ObjectId;
  if (v instanceof Date) return Rank.Date;
  if (v instanceof Binary || v instanceof Uint8Array) return Rank.Binary;
  if (v instanceof Timestamp) return Rank.Timestamp;
  if (v instanceof RegExp || v instanceof BSONRegExp) return Rank.RegExp;
  if (v instanceof MinKey) return Rank.MinKey;
  if (v instanceof MaxKey) return Rank.MaxKey;
  if (v instanceof BSONSymbol) return Rank.String;
  return Rank.Object;
}

function cmp<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Compares strings by UTF-8 bytes, as MongoDB's simple collation does. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 code unit order equals code point order except for surrogates vs U+E000..U+FFFF.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Total order over values, exactly MongoDB's BSON comparison (not the array-aware sort rules). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case Rank.Null: case Rank.MinKey: case Rank.MaxKey: return 0;
    case Rank.Number: {
      if (a instanceof Long && b instanceof Long) return a.compare(b);
      const x = numberOf(a);
      const y = numberOf(b);
      // NaN equals NaN and comes before every other number (MongoDB's order)
      if (x !== x || y !== y) return (x !== x ? 0 : 1) - (y !== y ? 0 : 1);
      return cmp(x, y);
    }
    case Rank.String: return compareStrings(String(a), String(b));
    case Rank.Boolean: return cmp(a as boolean, b as boolean);
    case Rank.Date: return cmp((a as Date).getTime(), (b as Date).getTime());
    case Rank.ObjectId: return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case Rank.Timestamp: return (a as Timestamp).compare(b as Timestamp);
    case Rank.Binary: {
      const ba = a instanceof Binary ? a.buffer : (a as Uint8Array);
      const bb = b instanceof Binary ? b.buffer : (b as Uint8Array);
      return ba.length !== bb.length ? ba.length - bb.length : compareBytes(ba, bb);
    }
    case Rank.RegExp: {
      const sa = a instanceof RegExp ? a.source : (a as BSONRegExp).pattern;
      const sb = b instanceof RegExp ? b.source : (b as BSONRegExp).pattern;
      return compareStrings(sa, sb);
    }
    case Rank.Array: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      const n = Math.min(xa.length, xb.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(xa[i], xb[i]);
        if (c !== 0) return c;
      }
      return xa.length - xb.length;
    }
    default: {
      // Objects compare field by field: first the key, then the value, in stored order.
      const ka = Object.keys(a as Document);
      const kb = Object.keys(b as Document);
      const n = Math.min(ka.length, kb.length);
      for (let i = 0; i < n; i++) {
        const va = (a as Document)[ka[i]!];
        const vb = (b as Document)[kb[i]!];
        const t = typeRank(va) - typeRank(vb);
        if (t !== 0) return t;
        const k = compareStrings(ka[i]!, kb[i]!);
        if (k !== 0) return k;
        const c = compareValues(va, vb);
        if (c !== 0) return c;
      }
      return ka.length - kb.length;
    }
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** Deep copy of a document tree; BSON wrappers are immutable and shared. */
export function cloneValue<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  // a document given as its bytes (findAsStored): the copy is the document built from them
  if (v instanceof RawDocument) return v.parse() as T;
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const k in v) out[k] = cloneValue((v as Document)[k]);
  return out as T;
}

export { Decimal128, Double, Int32, Long, ObjectId, Binary, Timestamp, MinKey, MaxKey, BSONRegExp, Code };

/**
 * Back from a view to the exact model for values computed by mingo (aggregation results): JS
 * numbers become Int32 when integral and in range, Long when integral and safe, else Double.
 */
export function fromView(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Object.is(v, -0)) {
      if (v >= -2147483648 && v <= 2147483647) return new Int32(v);
      if (Number.isSafeInteger(v)) return Long.fromNumber(v);
    }
    return new Double(v);
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromView);
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const k in v) out[k] = fromView(v[k]);
  return out;
}
