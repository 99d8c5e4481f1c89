// Extended JSON and shell-constructor values for the relaxed JSON reader (parse.ts): wrappers such
// as {"$oid": …} and constructors such as ObjectId("…") become values of the exact model.
import { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';

export class JsonSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
    this.position = position;
  }
}

type Doc = Record<string, unknown>;

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;
const MAX_DATE_MS = 8.64e15;
export const OID_RE = /^[0-9a-fA-F]{24}$/;
export const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const SUBTYPE_RE = /^[0-9a-fA-F]{1,2}$/;
const UUID_RE = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const ISO_RE = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d\d):?(\d\d)(?::?(\d\d))?)?)?$/;

export const CONSTRUCTORS = new Set(['MinKey', 'MaxKey', 'ObjectId', 'ISODate', 'Date', 'NumberInt', 'NumberLong', 'NumberDecimal',
  'Timestamp', 'BinData', 'UUID', 'RegExp']);

export function toInteger(text: string, at: number): Int32 | Long {
  const n = Number(text);
  if (n >= -2147483648 && n <= 2147483647) return new Int32(n | 0);
  // Exact below 2^53, and ~10x cheaper than BigInt: epoch-millis dates are this size.
  if (Number.isSafeInteger(n)) return Long.fromNumber(n);
  return toLong(text, at);
}

export function toLong(text: string, at: number): Long {
  const b = BigInt(text.charCodeAt(0) === 43 ? text.slice(1) : text);
  if (b < MIN_I64 || b > MAX_I64) throw new JsonSyntaxError(`Integer ${text} does not fit in 64 bits`, at);
  return Long.fromBigInt(b);
}

export function toDecimal(text: string, at: number): Decimal128 {
  try {
    return Decimal128.fromString(text);
  } catch {
    throw new JsonSyntaxError(`Invalid decimal '${text}'`, at);
  }
}

export function dateOf(ms: number, at: number): Date {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) throw new JsonSyntaxError('Date out of range', at);
  return new Date(Math.trunc(ms));
}

export function timestampOf(t: number, i: number, at: number): Timestamp {
  // The Java reader accepts 64-bit values and keeps the low 32 bits.
  if (!Number.isSafeInteger(t) || !Number.isSafeInteger(i)) throw new JsonSyntaxError('Invalid $timestamp', at);
  return new Timestamp({ t: Number(BigInt.asUintN(32, BigInt(t))), i: Number(BigInt.asUintN(32, BigInt(i))) });
}

export function binaryOf(b64: string, sub: number, at: number): Binary {
  if (!B64_RE.test(b64) || b64.length % 4 === 1) throw new JsonSyntaxError('Invalid base64 data', at);
  return new Binary(Buffer.from(b64, 'base64'), sub);
}

export function uuidOf(s: string, at: number): Binary {
  if (!UUID_RE.test(s)) throw new JsonSyntaxError(`Invalid UUID '${s}'`, at);
  return new Binary(Buffer.from(s.replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID);
}

/** JS RegExp when JS can run it (mingo needs one), else BSONRegExp so nothing is lost. */
export function makeRegex(pattern: string, options: string, at: number): RegExp | BSONRegExp {
  for (const o of options) if (!'ilmsux'.includes(o)) throw new JsonSyntaxError(`Invalid regular expression option '${o}'`, at);
  const opts = [...new Set(options)].sort().join('');
  if (!opts.includes('l') && !opts.includes('x')) {
    try {
      return new RegExp(pattern, opts);
    } catch {
      // e.g. PCRE-only syntax: kept as a BSON regex.
    }
  }
  return new BSONRegExp(pattern, opts);
}

/** Epoch millis of an ISO-8601 date (Java's ISO_LOCAL_DATE or ISO_OFFSET_DATE_TIME); `lenient` allows no offset. */
export function parseIsoDate(s: string, lenient: boolean): number | undefined {
  const m = ISO_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, z, sign, oh, om, os] = m;
  if (h !== undefined && !z && !sign && !lenient) return undefined;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h ?? 0), min = Number(mi ?? 0), second = Number(sec ?? 0);
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || min > 59 || second > 59) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, min, second, frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0);
  const offset = sign ? (sign === '-' ? -1 : 1) * ((Number(oh) * 60 + Number(om)) * 60 + Number(os ?? 0)) * 1000 : 0;
  return t.getTime() - offset;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function hexSubtype(v: unknown): number | undefined {
  if (typeof v === 'string' && SUBTYPE_RE.test(v)) return Number.parseInt(v, 16);
  if (v instanceof Int32 && v.value >= 0 && v.value <= 255) return v.value;
  return undefined;
}

function isDoc(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

function hasKeys(o: Doc, a: string, b: string): boolean {
  const k = Object.keys(o);
  return k.length === 2 && Object.hasOwn(o, a) && Object.hasOwn(o, b);
}

/** Converts an object whose first key names an Extended JSON type, or returns it unchanged. */
export function convertWrapper(o: Doc, first: string, at: number): unknown {
  const v = o[first];
  const single = Object.keys(o).length === 1;
  const bad = (why: string) => new JsonSyntaxError(`Invalid ${first}: ${why}`, at);
  if (!single && first !== '$binary' && first !== '$type' && first !== '$regex' && first !== '$options' && first !== '$code') {
    throw bad(`unexpected key '${Object.keys(o)[1]}'`);
  }
  switch (first) {
    case '$oid':
      if (typeof v === 'string' && OID_RE.test(v)) return ObjectId.createFromHexString(v);
      throw bad('expected a 24-digit hex string');
    case '$date': {
      if (v instanceof Int32) return dateOf(v.value, at);
      if (v instanceof Long) return dateOf(v.toNumber(), at);
      if (v instanceof Double && Number.isInteger(v.value)) return dateOf(v.value, at);
      const ms = typeof v === 'string' ? parseIsoDate(v, false) : undefined;
      if (ms === undefined) throw bad('expected an ISO-8601 string, epoch millis or {"$numberLong": "..."}');
      return dateOf(ms, at);
    }
    case '$numberInt': {
      const n = typeof v === 'string' && INT_RE.test(v) ? Number(v) : Number.NaN;
      if (n >= -2147483648 && n <= 2147483647) return new Int32(n);
      throw bad('expected a 32-bit integer string');
    }
    case '$numberLong':
      if (typeof v === 'string' && INT_RE.test(v)) return toLong(v, at);
      throw bad('expected an integer string');
    case '$numberDouble':
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity' || (typeof v === 'string' && FLOAT_RE.test(v))) return new Double(Number(v));
      throw bad('expected a number string');
    case '$numberDecimal':
      if (typeof v === 'string') return toDecimal(v, at);
      throw bad('expected a string');
    case '$binary': case '$type': {
      if (first === '$binary' && isDoc(v)) {
        const sub = hexSubtype(v.subType);
        if (!single || !hasKeys(v, 'base64', 'subType') || typeof v.base64 !== 'string' || sub === undefined) {
          throw bad('expected {"base64": "...", "subType": "hex"}');
        }
        return binaryOf(v.base64, sub, at);
      }
      // Legacy {"$binary": "b64", "$type": "hex"}; anything else (e.g. the $type query operator) is a plain object.
      const sub = hexSubtype(o.$type);
      if (hasKeys(o, '$binary', '$type') && typeof o.$binary === 'string' && sub !== undefined && B64_RE.test(o.$binary)) {
        return binaryOf(o.$binary, sub, at);
      }
      return o;
    }
    case '$uuid':
      if (typeof v === 'string') return uuidOf(v, at);
      throw bad('expected a string');
    case '$regex': case '$options':
      // Only the exact legacy pair is a regex; `{"$regex": "x"}` alone is the query operator.
      if (hasKeys(o, '$regex', '$options') && typeof o.$regex === 'string' && typeof o.$options === 'string') {
        try {
          return makeRegex(o.$regex, o.$options, at);
        } catch {
          return o;
        }
      }
      return o;
    case '$regularExpression':
      if (isDoc(v) && hasKeys(v, 'pattern', 'options') && typeof v.pattern === 'string' && typeof v.options === 'string') {
        return makeRegex(v.pattern, v.options, at);
      }
      throw bad('expected {"pattern": "...", "options": "..."}');
    case '$timestamp': {
      const t = v as Doc;
      const num = (x: unknown) => (x instanceof Int32 || x instanceof Long ? Number(x.toString()) : undefined);
      const tt = isDoc(v) && hasKeys(v, 't', 'i') ? num(t.t) : undefined;
      const ii = tt !== undefined ? num(t.i) : undefined;
      if (tt === undefined || ii === undefined) throw bad('expected {"t": <int>, "i": <int>}');
      return timestampOf(tt, ii, at);
    }
    case '$minKey': case '$maxKey':
      if (v instanceof Int32 && v.value === 1) return first === '$minKey' ? new MinKey() : new MaxKey();
      throw bad('expected 1');
    case '$symbol':
      if (typeof v === 'string') return v;
      throw bad('expected a string');
    case '$code': {
      if (typeof v !== 'string') throw bad('expected a string');
      if (single) return new Code(v);
      if (hasKeys(o, '$code', '$scope') && isDoc(o.$scope)) return new Code(v, o.$scope);
      throw bad('expected {"$code": "...", "$scope": {...}}');
    }
    case '$undefined':
      if (v === true) return null;
      throw bad('expected true');
  }
  return o;
}
