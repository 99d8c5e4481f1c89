// JSON output of the exact value model in RESTHeart's output modes (API.md §3.4), following the
// converters of the MongoDB Java driver's JsonWriter. One recursive string builder, minified, no
// intermediate EJSON tree: this runs on every response.
import type { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'bson';
import { RawDocument, defaultJson } from './bson-json.ts';

export type JsonMode = 'default' | 'relaxed' | 'extended' | 'strict' | 'shell';

const DEFAULT = 0;
const RELAXED = 1;
const EXTENDED = 2;
const STRICT = 3;
const SHELL = 4;
const MODE_CODES: Record<JsonMode, number> = { default: DEFAULT, relaxed: RELAXED, extended: EXTENDED, strict: STRICT, shell: SHELL };

const LAST_MS_OF_9999 = 253402300799999;
// Java's ShellDateTimeConverter prints ISODate(...) only inside this range.
const SHELL_ISO_MIN = -59014396800000;
const SHELL_ISO_MAX = 253399536000000;

/** The `jsonMode` query parameter: case-insensitive, anything unknown is the default. */
export function parseJsonMode(v: string | undefined): JsonMode {
  const m = v?.toLowerCase();
  return m === 'relaxed' || m === 'extended' || m === 'strict' || m === 'shell' ? m : 'default';
}

export function renderJson(value: unknown, mode: JsonMode = 'default'): string {
  return write(value, MODE_CODES[mode] ?? DEFAULT);
}

/** An item of an array as renderJson renders it there: `[${items.map(renderItem).join(',')}]` is the array's text. */
export function renderItem(x: unknown, mode: JsonMode = 'default'): string {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol' ? 'null' : write(x, MODE_CODES[mode] ?? DEFAULT);
}

// Documents the engine hands out from its cache are immutable and served again and again: their
// default-mode rendering is kept beside them (a page of 100 documents is then a join of strings),
// under a symbol (null: immutable, not rendered yet). Non-enumerable, so a spread or a clone of
// the document, which may then change, does not carry it. A WeakMap did the same: its inserts
// were 3.4% of an uncached indexed read's CPU (V5, profiled; every document read went into one
// ephemeron table, which the GC walks too); the property costs ~0.3 µs a document less in plain
// Node, and in the server V5 went 349 -> 341 µs a request (within the noise), W6 unchanged.
const RENDERED = Symbol('rendered');

type Renderable = { [RENDERED]?: string | null };

/** Marks an object that will never be mutated, so that its rendering may be reused. */
export function markImmutable(o: object): void {
  Object.defineProperty(o, RENDERED, { value: null, writable: true });
}

function write(v: unknown, m: number): string {
  switch (typeof v) {
    case 'string': return quote(v);
    case 'number': return Number.isFinite(v) ? String(v) : double(v, m);
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return long(v.toString(), v >= -2147483648n && v <= 2147483647n, m);
    case 'object': break;
    default: return 'null';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    // join builds one flat string: a page of documents is encoded to UTF-8 without walking a rope
    const parts: string[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      parts[i] = x === undefined || typeof x === 'function' || typeof x === 'symbol' ? 'null' : write(x, m);
    }
    return `[${parts.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    let text = m === DEFAULT ? (v as Renderable)[RENDERED] : undefined;
    if (text === undefined) return object(v as Record<string, unknown>, m);
    if (text === null) {
      text = object(v as Record<string, unknown>, m);
      // kept flat: a cached rope of hundreds of pieces made every later page that embeds it cost
      // up to 100 µs to encode as UTF-8 once it had aged into V8's old space (measured). Number()
      // flattens a string in place (V8's StringToNumber), without the Buffer a copy through
      // Buffer.from costs (malloc'd, freed only by a GC)
      Number(text);
      (v as Renderable)[RENDERED] = text;
    }
    return text;
  }
  if (v instanceof RawDocument) return raw(v, m);
  return special(v, m);
}

/** A document given as its BSON bytes (bson-json.ts): its default rendering is kept on it, flat. */
function raw(d: RawDocument, m: number): string {
  if (m !== DEFAULT) return object(d.parse(), m);
  if (d.json === undefined) {
    const text = defaultJson(d.bytes, javaDouble) ?? object(d.parse(), m);
    Number(text);
    d.json = text;
  }
  return d.json;
}

function object(o: Record<string, unknown>, m: number): string {
  let s = '{';
  let first = true;
  // Object.keys, not for-in: inherited (polluted) properties must never leak into output.
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    s += (first ? '' : ',') + quote(k) + ':' + write(x, m);
    first = false;
  }
  return s + '}';
}

/** JSON.stringify of a string; short ones that need no escaping (most keys) are quoted directly, 4x faster. */
function quote(s: string): string {
  if (s.length > 16) return JSON.stringify(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** Decimal digits of a Long without Long.toString, which is slow (repeated 64-bit division). */
function longDigits(l: Long): string {
  const hi = l.high;
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * 4294967296 + (l.low >>> 0));
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(l.low >>> 0)).toString();
}

function special(v: object, m: number): string {
  switch ((v as { _bsontype?: unknown })._bsontype) {
    case 'Int32': {
      const n = (v as Int32).value;
      return m === EXTENDED ? `{"$numberInt":"${n}"}` : String(n);
    }
    case 'Double': return double((v as Double).value, m);
    case 'Long': {
      const l = v as Long;
      return long(longDigits(l), l.high === (l.low >> 31), m);
    }
    case 'ObjectId': {
      const hex = (v as ObjectId).toHexString();
      return m === SHELL ? `ObjectId("${hex}")` : `{"$oid":"${hex}"}`;
    }
    case 'Decimal128': {
      const d = (v as Decimal128).toString();
      return m === SHELL ? `NumberDecimal("${d}")` : `{"$numberDecimal":"${d}"}`;
    }
    case 'Binary': return binary((v as Binary).toString('base64'), (v as Binary).sub_type, m);
    case 'Timestamp': {
      const ts = v as Timestamp;
      return m === SHELL ? `Timestamp(${ts.t},${ts.i})` : `{"$timestamp":{"t":${ts.t},"i":${ts.i}}}`;
    }
    case 'MinKey': return m === SHELL ? 'MinKey' : '{"$minKey":1}';
    case 'MaxKey': return m === SHELL ? 'MaxKey' : '{"$maxKey":1}';
    case 'BSONRegExp': {
      const r = v as BSONRegExp;
      return regex(r.pattern, r.options.length > 1 ? [...r.options].sort().join('') : r.options, m);
    }
    case 'BSONSymbol': return JSON.stringify(String((v as { value: unknown }).value));
    case 'Code': {
      const c = v as Code;
      const scope = c.scope ? ',"$scope":' + write(c.scope, m) : '';
      return `{"$code":${JSON.stringify(c.code)}${scope}}`;
    }
  }
  if (v instanceof Date) return date(v.getTime(), m);
  if (v instanceof RegExp) {
    // RegExp.source shows an empty pattern as `(?:)`.
    const src = v.source === '(?:)' ? '' : v.source;
    return regex(m === SHELL ? src : unescapeSlashes(src), jsOptions(v.flags), m);
  }
  if (v instanceof Uint8Array) return binary(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), 0, m);
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(v), m);
  return object(v as Record<string, unknown>, m);
}

/** Java's Double.toString: always a decimal point, E-notation below 1e-3 and from 1e7. */
export function javaDouble(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = x < 0 ? -x : x;
  if (a >= 1e-3 && a < 1e7) {
    const s = String(x);
    return Number.isInteger(x) ? s + '.0' : s;
  }
  // toExponential() gives the shortest round-trip digits, as Java does; when that is one digit Java
  // takes the closest two-digit decimal instead (differs from "d.0" only for subnormals: 4.9E-324).
  let e = x.toExponential();
  let i = e.indexOf('e');
  if (i === 1 || (i === 2 && x < 0)) {
    e = x.toExponential(1);
    i = e.indexOf('e');
  }
  return e.slice(0, i) + 'E' + (e.charCodeAt(i + 1) === 43 ? e.slice(i + 2) : e.slice(i + 1));
}

function double(x: number, m: number): string {
  if (Number.isFinite(x)) return m === EXTENDED ? `{"$numberDouble":"${javaDouble(x)}"}` : javaDouble(x);
  const s = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  // Strict and shell modes write Java's Double.toString raw, as the Java driver does.
  return m === STRICT || m === SHELL ? s : `{"$numberDouble":"${s}"}`;
}

function long(digits: string, fitsInt32: boolean, m: number): string {
  if (m === DEFAULT || m === RELAXED) return digits;
  if (m === SHELL) return fitsInt32 ? `NumberLong(${digits})` : `NumberLong("${digits}")`;
  return `{"$numberLong":"${digits}"}`;
}

function date(ms: number, m: number): string {
  if (Number.isNaN(ms)) return 'null';
  switch (m) {
    case RELAXED:
      if (ms >= 0 && ms <= LAST_MS_OF_9999) return `{"$date":"${isoTrimmed(ms)}"}`;
      return `{"$date":{"$numberLong":"${ms}"}}`;
    case EXTENDED: return `{"$date":{"$numberLong":"${ms}"}}`;
    case SHELL:
      if (ms >= SHELL_ISO_MIN && ms <= SHELL_ISO_MAX) return `ISODate("${new Date(ms).toISOString()}")`;
      return `new Date(${ms})`;
    default: return `{"$date":${ms}}`;
  }
}

/** ISO_OFFSET_DATE_TIME as Java prints it: trailing zeros of the fraction dropped, `.000` omitted. */
function isoTrimmed(ms: number): string {
  const s = new Date(ms).toISOString();
  if (s.charCodeAt(22) !== 48) return s;
  if (s.charCodeAt(21) !== 48) return s.slice(0, 22) + 'Z';
  if (s.charCodeAt(20) !== 48) return s.slice(0, 21) + 'Z';
  return s.slice(0, 19) + 'Z';
}

function binary(b64: string, subType: number, m: number): string {
  if (m === SHELL) return `BinData(${subType},"${b64}")`;
  const hex = subType < 16 ? '0' + subType.toString(16).toUpperCase() : subType.toString(16).toUpperCase();
  if (m === STRICT) return `{"$binary":"${b64}","$type":"${hex}"}`;
  return `{"$binary":{"base64":"${b64}","subType":"${hex}"}}`;
}

function regex(pattern: string, options: string, m: number): string {
  if (m === SHELL) return `/${pattern}/${options}`;
  const p = JSON.stringify(pattern);
  if (m === STRICT) return `{"$regex":${p},"$options":"${options}"}`;
  return `{"$regularExpression":{"pattern":${p},"options":"${options}"}}`;
}

/** MongoDB options of a JS RegExp: its flags that MongoDB knows, already in alphabetical order. */
function jsOptions(flags: string): string {
  let o = '';
  for (const f of flags) if (f === 'i' || f === 'm' || f === 's' || f === 'u') o += f;
  return o;
}

/** The pattern as written: RegExp.source escapes `/`, which the JSON forms do not need. */
function unescapeSlashes(source: string): string {
  if (!source.includes('\\/')) return source;
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const n = source[++i];
      out += n === '/' ? '/' : c + n;
    } else out += c;
  }
  return out;
}
