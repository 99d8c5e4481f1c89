// JSON straight from a document's BSON bytes, for documents the engine read and no one needs as
// objects (a page of a collection going out as it is stored). Deserializing a 450-byte document and
// rendering its objects cost ~6 µs in plain Node and left ~40 objects for the GC; walking the bytes
// costs ~2 µs (a page of ten: 60 -> 21 µs). In the server, V5 (ten documents a request through an
// index) went 470 -> 298 µs of CPU a request (interleaved A/B). Written by hand: the bson library
// only deserializes into objects, and its EJSON goes through them too.
//
// The default mode covers the types documents hold in practice; any other mode, or a document with
// another type (binary, decimal, regex, timestamp, code, min/max key, undefined, ...), is rendered
// from its deserialized objects by render.ts, so both paths print the same text.
import { deserialize } from 'bson';

/** A document as its BSON bytes, rendered without being built as objects. */
export class RawDocument {
  private held: Buffer | undefined;
  /** the default mode's rendering, once made: the engine hands out one instance per stored version */
  json: string | undefined = undefined;

  /** without bytes: a subclass makes them when first asked for (bytesOf), if ever */
  constructor(bytes?: Uint8Array) {
    this.held = bytes === undefined ? undefined : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get bytes(): Buffer {
    return (this.held ??= this.bytesOf());
  }

  protected bytesOf(): Buffer {
    throw new Error('a RawDocument made without its bytes must say how to make them');
  }

  /** The document in the engine's exact model (what a reader that needs objects gets). */
  parse(): Record<string, unknown> {
    return deserialize(this.bytes, { promoteValues: false, bsonRegExp: true });
  }
}

/** Signals a type this walk leaves to render.ts. */
const OTHER = Symbol('other type');

const HEX = Buffer.from('0123456789abcdef');
// JSON.stringify's escapes of the bytes that need one (0 = copied as it is)
const ESCAPE = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) ESCAPE[c] = 0x75; // \u00XX
ESCAPE[0x08] = 0x62; ESCAPE[0x09] = 0x74; ESCAPE[0x0a] = 0x6e; ESCAPE[0x0c] = 0x66; ESCAPE[0x0d] = 0x72;
ESCAPE[0x22] = 0x22; ESCAPE[0x5c] = 0x5c;

/**
 * Writes the JSON into one reused buffer and decodes it once at the end: building it from strings
 * (a string per key and value, joined) cost twice as much in plain Node.
 */
const SCRATCH = 64 * 1024;
let out = Buffer.allocUnsafeSlow(SCRATCH);
let o = 0;

/**
 * The default mode's JSON of the document at `bytes`, or undefined when it holds a type left to
 * render.ts. `double` is render.ts's, so numbers print the same; strings are escaped as
 * JSON.stringify does (the bytes are UTF-8 as bson wrote them, so they hold no lone surrogate).
 */
export function defaultJson(bytes: Buffer, double: (x: number) => string): string | undefined {
  o = 0;
  try {
    doc(bytes, 0, false, double);
  } catch (e) {
    // a read past the bytes (RangeError) means lengths that lie: bson's own checks report them
    if (e === OTHER || e instanceof RangeError) return undefined;
    throw e;
  }
  const json = out.toString('utf8', 0, o);
  // a large document's room is not kept
  if (out.length > SCRATCH) out = Buffer.allocUnsafeSlow(SCRATCH);
  return json;
}

function room(n: number): void {
  if (o + n <= out.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, o + n));
  out.copy(bigger, 0, 0, o);
  out = bigger;
}

// The hot loops keep the buffer and the position in locals: a module variable is a context slot,
// loaded and stored at every byte (the walk of a page of ten ran ~40% slower, plain Node)
function ascii(s: string): void {
  room(s.length);
  const w = out;
  let p = o;
  for (let j = 0; j < s.length; j++) w[p++] = s.charCodeAt(j);
  o = p;
}

/** The bytes [a, z) of b as a JSON string. */
function text(b: Buffer, a: number, z: number): void {
  // 6 bytes for an escaped one, the quotes, and a key's colon
  room((z - a) * 6 + 3);
  const w = out;
  let p = o;
  w[p++] = 0x22;
  for (let j = a; j < z; j++) {
    const c = b[j]!;
    const e = ESCAPE[c]!;
    if (e === 0) w[p++] = c;
    else {
      w[p++] = 0x5c;
      w[p++] = e;
      if (e === 0x75) {
        w[p++] = 0x30; w[p++] = 0x30; w[p++] = HEX[c >> 4]!; w[p++] = HEX[c & 15]!;
      }
    }
  }
  w[p++] = 0x22;
  o = p;
}

function int32(b: Buffer, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** The decimal digits of the int64 at i (render.ts's longDigits, from the bytes). */
function int64(b: Buffer, i: number): void {
  const lo = int32(b, i) >>> 0;
  const hi = int32(b, i + 4);
  ascii(hi >= -0x200000 && hi < 0x200000 ? String(hi * 4294967296 + lo) : b.readBigInt64LE(i).toString());
}

/** `{"$date":ms}`; a date beyond JS's range (an Invalid Date for bson) is left to render.ts. */
function date(b: Buffer, i: number): void {
  const ms = int32(b, i + 4) * 4294967296 + (int32(b, i) >>> 0);
  if (ms < -8.64e15 || ms > 8.64e15) throw OTHER;
  ascii('{"$date":');
  digits(ms);
  room(1);
  out[o++] = 0x7d;
}

/**
 * The decimal digits of an integer within ±2^53 (at most 17 bytes), as String() prints them: a
 * date's milliseconds are beyond a small integer, and String() of such a number cost ~0.18 µs.
 */
function digits(x: number): void {
  room(17);
  const w = out;
  if (x < 0) {
    w[o++] = 0x2d;
    x = -x;
  }
  let n = 1;
  for (let t = x; t >= 10; t = Math.floor(t / 10)) n++;
  let p = o + n;
  o = p;
  do {
    const q = Math.floor(x / 10);
    w[--p] = 0x30 + x - q * 10;
    x = q;
  } while (x > 0);
}

function oid(b: Buffer, i: number): void {
  ascii('{"$oid":"');
  room(26);
  const w = out;
  let p = o;
  for (let j = i; j < i + 12; j++) {
    w[p++] = HEX[b[j]! >> 4]!;
    w[p++] = HEX[b[j]! & 15]!;
  }
  w[p++] = 0x22;
  w[p++] = 0x7d;
  o = p;
}

function doc(b: Buffer, start: number, array: boolean, double: (x: number) => string): void {
  const len = int32(b, start);
  // lengths that do not fit their document are left to bson's checks
  if (len < 5 || start + len > b.length) throw OTHER;
  const end = start + len - 1;
  let i = start + 4;
  room(1);
  out[o++] = array ? 0x5b : 0x7b;
  let first = true;
  while (i < end) {
    const type = b[i]!;
    let k = i + 1;
    while (k < end && b[k] !== 0) k++;
    if (k >= end) throw OTHER;
    if (!first) {
      room(1);
      out[o++] = 0x2c;
    }
    first = false;
    if (!array) {
      text(b, i + 1, k);
      out[o++] = 0x3a;
    }
    i = k + 1;
    switch (type) {
      case 0x01: {
        // NaN and ±Infinity have an extended form in every mode: render.ts prints them
        const x = b.readDoubleLE(i);
        if (!Number.isFinite(x)) throw OTHER;
        ascii(double(x));
        i += 8;
        break;
      }
      case 0x02: {
        const n = int32(b, i);
        if (n < 1 || i + 4 + n > end) throw OTHER;
        text(b, i + 4, i + 3 + n);
        i += 4 + n;
        break;
      }
      case 0x03: case 0x04: doc(b, i, type === 0x04, double); i += int32(b, i); break;
      case 0x07: oid(b, i); i += 12; break;
      case 0x08: ascii(b[i] === 0 ? 'false' : 'true'); i += 1; break;
      case 0x09: date(b, i); i += 8; break;
      case 0x0a: ascii('null'); break;
      case 0x10: digits(int32(b, i)); i += 4; break;
      case 0x12: int64(b, i); i += 8; break;
      default: throw OTHER;
    }
    if (i > end) throw OTHER;
  }
  room(1);
  out[o++] = array ? 0x5d : 0x7d;
}
