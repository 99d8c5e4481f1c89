// What a column (columns.ts) holds for one document and one field path: the values MongoDB's
// query language would see at that path, reduced to what compiled predicates (predicate.ts) can
// decide exactly. Anything they cannot decide is UNSURE, and the row is then judged by mingo on
// the whole document, so a cell may be imprecise only in the direction of "ask again".
//
// Read straight from the stored BSON bytes: deserializing a ~450-byte document costs 3–5 µs, walking
// its bytes to one path ~0.1–0.3 µs. No BSON library reads one path without deserializing the whole
// document, hence this walker.

/** The path is absent from the document. */
export const MISSING = Symbol('missing');
/** Absent, but the path crossed an array (MongoDB's null matching differs there). */
export const MISSING_IN_ARRAY = Symbol('missing in array');
/** A value that matches no scalar comparison (an embedded document, a nested array). */
export const OPAQUE = Symbol('opaque');
/** Only the whole document can tell: Decimal128, Int64 beyond 2^53, NaN, regex, binary, … */
export const UNSURE = Symbol('unsure');

export class DateCell {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
}

export class OidCell {
  readonly hex: string;
  constructor(hex: string) {
    this.hex = hex;
  }
}

/** A value predicates can compare: MongoDB's numbers (as JS numbers), strings, booleans, null, dates, ObjectIds. */
export type Scalar = number | string | boolean | null | DateCell | OidCell;
/** The values found through arrays: each element is a Scalar or OPAQUE. */
export type Multi = Array<Scalar | typeof OPAQUE>;
export type Cell = Scalar | Multi | typeof MISSING | typeof MISSING_IN_ARRAY | typeof OPAQUE | typeof UNSURE;

// Strings with surrogates compare differently in UTF-16 (JS) and UTF-8 (MongoDB) order
const SURROGATE = /[\uD800-\uDFFF]/;

export function cstringEnd(buf: Buffer, at: number): number {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new RangeError('bad BSON');
  return end;
}

/** Offset just past the value of type `t` starting at `at`. */
export function skip(buf: Buffer, t: number, at: number): number {
  switch (t) {
    case 0x01: case 0x09: case 0x11: case 0x12: return at + 8;
    case 0x02: case 0x0d: case 0x0e: return at + 4 + buf.readInt32LE(at);
    case 0x03: case 0x04: case 0x0f: return at + buf.readInt32LE(at);
    case 0x05: return at + 5 + buf.readInt32LE(at);
    case 0x06: case 0x0a: case 0xff: case 0x7f: return at;
    case 0x07: return at + 12;
    case 0x08: return at + 1;
    case 0x0b: return cstringEnd(buf, cstringEnd(buf, at) + 1) + 1;
    case 0x0c: return at + 4 + buf.readInt32LE(at) + 12;
    case 0x10: return at + 4;
    case 0x13: return at + 16;
    default: throw new RangeError(`bad BSON type ${t}`);
  }
}

/** A scalar value of type `t` at `at`, OPAQUE for documents/arrays, UNSURE for what predicates leave to mingo. */
function scalarAt(buf: Buffer, t: number, at: number): Scalar | typeof OPAQUE | typeof UNSURE {
  switch (t) {
    case 0x01: {
      const d = buf.readDoubleLE(at);
      return Number.isNaN(d) ? UNSURE : d;
    }
    case 0x10: return buf.readInt32LE(at);
    case 0x12: {
      const n = buf.readBigInt64LE(at);
      return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : UNSURE;
    }
    case 0x02: {
      const s = buf.toString('utf8', at + 4, at + 3 + buf.readInt32LE(at));
      return SURROGATE.test(s) ? UNSURE : s;
    }
    case 0x08: return buf[at] === 1;
    case 0x0a: return null;
    case 0x09: return new DateCell(Number(buf.readBigInt64LE(at)));
    case 0x07: return new OidCell(buf.toString('hex', at, at + 12));
    case 0x03: case 0x04: return OPAQUE;
    default: return UNSURE;
  }
}

/** Encoded path segments, compared against element names without decoding them. */
export function encodePath(path: string): Buffer[] {
  return path.split('.').map((s) => Buffer.from(s, 'utf8'));
}

function nameIs(buf: Buffer, at: number, end: number, seg: Buffer): boolean {
  if (end - at !== seg.length) return false;
  for (let i = 0; i < seg.length; i++) if (buf[at + i] !== seg[i]) return false;
  return true;
}

class Walk {
  multi: Multi | undefined;
  inArray = false;
  /** the last segment was reached somewhere (an empty array there still exists) */
  found = false;
  unsure = false;
  single: Scalar | typeof OPAQUE | typeof MISSING = MISSING;
}

/** Visits the document at `doc`, looking for segs[i]. */
function visitDoc(buf: Buffer, doc: number, segs: Buffer[], i: number, w: Walk): void {
  const end = doc + buf.readInt32LE(doc) - 1;
  let at = doc + 4;
  while (at < end) {
    const t = buf[at]!;
    const nameEnd = cstringEnd(buf, at + 1);
    const value = nameEnd + 1;
    if (nameIs(buf, at + 1, nameEnd, segs[i]!)) {
      visitValue(buf, t, value, segs, i, w);
      return;
    }
    at = skip(buf, t, value);
  }
}

function add(w: Walk, v: Scalar | typeof OPAQUE | typeof UNSURE): void {
  if (v === UNSURE) w.unsure = true;
  else (w.multi ??= []).push(v);
}

function visitValue(buf: Buffer, t: number, at: number, segs: Buffer[], i: number, w: Walk): void {
  const last = i === segs.length - 1;
  if (last) w.found = true;
  if (t === 0x04) {
    w.inArray = true;
    w.multi ??= [];
    const end = at + buf.readInt32LE(at) - 1;
    let el = at + 4;
    while (el < end) {
      const et = buf[el]!;
      const v = cstringEnd(buf, el + 1) + 1;
      if (last) add(w, et === 0x03 || et === 0x04 ? OPAQUE : scalarAt(buf, et, v));
      else if (et === 0x03) visitDoc(buf, v, segs, i + 1, w);
      else if (et === 0x04) w.unsure = true; // nested arrays: MongoDB's traversal rules are subtle
      el = skip(buf, et, v);
    }
    return;
  }
  if (last) {
    const v = scalarAt(buf, t, at);
    if (v === UNSURE) w.unsure = true;
    else if (w.inArray) add(w, v);
    else w.single = v;
    return;
  }
  if (t === 0x03) visitDoc(buf, at, segs, i + 1, w);
}

/** The cell of the document `buf` at the encoded path. */
export function cellOf(buf: Buffer, segs: Buffer[]): Cell {
  const w = new Walk();
  try {
    visitDoc(buf, 0, segs, 0, w);
  } catch {
    return UNSURE;
  }
  if (w.unsure) return UNSURE;
  if (w.inArray) return w.found ? w.multi! : MISSING_IN_ARRAY;
  return w.single;
}
