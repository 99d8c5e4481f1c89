// Binary keys of the embedded engine: memcmp order of an encoded value equals MongoDB's BSON order
// of the value, and encodings are prefix-free, so compound keys are concatenations and a descending
// component is its encoding with every byte inverted. One encoding serves the _id primary key and
// every secondary index. Equal values get equal keys (Int32 1, Long 1 and Double 1.0 collide, as in
// MongoDB's unique indexes). Approximation: Long beyond 2^53 and Decimal128 are keyed by their
// double value (the full filter still runs on every candidate, so results stay exact).
import { serialize } from 'bson';
import { Binary, MaxKey, MinKey, ObjectId, Timestamp, isNumeric, isPlainObject, numberOf, typeRank, type Document } from '../values.ts';

// Type byte = 2 × MongoDB's type rank; odd bytes sit between types (empty array below null).
const EMPTY_ARRAY = 3;
const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

function fixed(type: number, n: number): Buffer {
  const out = Buffer.alloc(10);
  out[0] = type;
  if (Number.isNaN(n)) return out.subarray(0, 2); // NaN sorts below every other number
  out[1] = 1;
  f64[0] = n === 0 ? 0 : n; // -0 equals 0
  const negative = (u8[7]! & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    const b = u8[7 - i]!;
    out[2 + i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
  }
  return out;
}

/** Bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 terminator: ordered and prefix-free. */
function terminated(type: number, bytes: Uint8Array): Buffer {
  let zeros = 0;
  for (const b of bytes) if (b === 0) zeros++;
  const out = Buffer.alloc(1 + bytes.length + zeros + 2);
  out[0] = type;
  let j = 1;
  for (const b of bytes) {
    out[j++] = b;
    if (b === 0) out[j++] = 0xff;
  }
  return out;
}

export function encodeValue(v: unknown): Buffer {
  if (Array.isArray(v) && v.length === 0) return Buffer.from([EMPTY_ARRAY]);
  const type = typeRank(v) * 2;
  if (v === null || v === undefined || v instanceof MinKey || v instanceof MaxKey) return Buffer.from([type]);
  if (typeof v === 'string') {
    // only U+0000 encodes to a zero byte: without one, nothing needs escaping (one copy, not two)
    if (v.includes('\u0000')) return terminated(type, Buffer.from(v, 'utf8'));
    const n = Buffer.byteLength(v, 'utf8');
    const out = Buffer.allocUnsafe(n + 3);
    out[0] = type;
    out.write(v, 1, 'utf8');
    out[n + 1] = 0;
    out[n + 2] = 0;
    return out;
  }
  if (typeof v === 'number' || isNumeric(v)) return fixed(type, numberOf(v));
  if (v instanceof ObjectId) {
    const out = Buffer.allocUnsafe(13);
    out[0] = type;
    out.set(v.id, 1);
    return out;
  }
  if (typeof v === 'boolean') return Buffer.from([type, v ? 1 : 0]);
  if (v instanceof Date) return fixed(type, v.getTime());
  if (v instanceof Timestamp) {
    const out = Buffer.alloc(9);
    out[0] = type;
    out.writeUInt32BE(v.t, 1);
    out.writeUInt32BE(v.i, 5);
    return out;
  }
  if (v instanceof Binary) return terminated(type, Buffer.concat([Buffer.from([v.sub_type]), Buffer.from(v.buffer)]));
  // documents, arrays, regexes: unique and prefix-free, though not MongoDB-ordered among themselves
  return terminated(type, serialize({ v }));
}

export const idKey = encodeValue;

function invert(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ~b[i]! & 0xff;
  return out;
}

/** One component of a compound key, honouring the field's direction. */
export function component(v: unknown, dir: number): Buffer {
  const e = encodeValue(v);
  return dir < 0 ? invert(e) : e;
}

/** The first key strictly after every key that starts with `prefix` (for range upper bounds). */
export function prefixEnd(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  return Buffer.from([0xff, 0xff, 0xff, 0xff]);
}

/**
 * Values a document holds at a dotted path, as MongoDB indexes them: arrays on the way are walked,
 * a terminal array contributes its elements (an empty one itself), a missing value is null.
 */
export function valuesAt(doc: unknown, path: string[], i = 0): unknown[] {
  if (i === path.length) return Array.isArray(doc) ? (doc.length ? doc : [doc]) : [doc];
  if (Array.isArray(doc)) {
    const seg = path[i]!;
    if (/^\d+$/.test(seg) && Number(seg) < doc.length) return valuesAt(doc[Number(seg)], path, i + 1);
    const out = doc.flatMap((el) => (isPlainObject(el) ? valuesAt(el, path, i) : []));
    return out.length ? out : [null];
  }
  if (!isPlainObject(doc) || !(path[i]! in doc)) return [null];
  return valuesAt((doc as Document)[path[i]!], path, i + 1);
}

/** True when the document has no value at any of the fields (what a sparse index leaves out). */
export function missingAll(doc: Document, fields: string[][]): boolean {
  return fields.every((f) => valuesAt(doc, f).every((v) => v === null || v === undefined) && !hasPath(doc, f));
}

function hasPath(doc: unknown, path: string[]): boolean {
  let v = doc;
  for (const p of path) {
    if (Array.isArray(v)) return true;
    if (!isPlainObject(v) || !(p in v)) return false;
    v = v[p];
  }
  return true;
}
