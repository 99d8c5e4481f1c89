// A small Extended JSON v2 codec (no `bson` dependency): the client asks the server for canonical
// Extended JSON (jsonMode=extended), so every value comes back typed and exact, and decodes it to
//   ObjectId → ObjectId, Date → Date, Int64 → bigint, Decimal128 → Decimal128, Int32/Double → number,
//   Binary → Binary, Timestamp → Timestamp, regular expression → BSONRegExp, MinKey/MaxKey → MINKEY/MAXKEY.
// Writing does the reverse. A JS number that is an integer is sent as an integer (the server stores
// Int32, or Int64 when it does not fit); wrap it in `Double` to store a double. Other `$`-keyed
// objects pass through as they are. To get the `bson` package's own classes instead, give the client
// a codec built on its `EJSON` (README, "Client").

export class ObjectId {
  readonly hex: string;
  constructor(hex?: string) {
    if (hex === undefined) hex = newObjectIdHex();
    if (!/^[0-9a-fA-F]{24}$/.test(hex)) throw new TypeError(`not an ObjectId: ${hex}`);
    this.hex = hex.toLowerCase();
  }
  /** the creation time the ObjectId carries */
  getTimestamp(): Date {
    return new Date(parseInt(this.hex.slice(0, 8), 16) * 1000);
  }
  equals(other: unknown): boolean {
    return other instanceof ObjectId && other.hex === this.hex;
  }
  toHexString(): string {
    return this.hex;
  }
  toString(): string {
    return this.hex;
  }
  toJSON(): { $oid: string } {
    return { $oid: this.hex };
  }
}

const PROCESS_UNIQUE = randomHex(5);
let counter = Math.floor(Math.random() * 0xffffff);

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function newObjectIdHex(): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `${seconds}${PROCESS_UNIQUE}${counter.toString(16).padStart(6, '0')}`;
}

/** A decimal kept as its exact text. */
export class Decimal128 {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** A number stored as a BSON double even when it is an integer. */
export class Double {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
  valueOf(): number {
    return this.value;
  }
}

export class Binary {
  readonly bytes: Uint8Array;
  readonly subType: number;
  constructor(bytes: Uint8Array, subType = 0) {
    this.bytes = bytes;
    this.subType = subType;
  }
}

export class Timestamp {
  readonly t: number;
  readonly i: number;
  constructor(t: number, i: number) {
    this.t = t;
    this.i = i;
  }
}

export class BSONRegExp {
  readonly pattern: string;
  readonly options: string;
  constructor(pattern: string, options = '') {
    this.pattern = pattern;
    this.options = options;
  }
}

export const MINKEY = Object.freeze({ $minKey: 1 as const });
export const MAXKEY = Object.freeze({ $maxKey: 1 as const });

/** How values cross the wire: a client can be given another one (e.g. built on bson's EJSON). */
export interface Codec {
  stringify(value: unknown): string;
  parse(text: string): unknown;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function doubleText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(n, -0)) return '-0.0';
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** A value as canonical Extended JSON (plain JSON structure, ready for JSON.stringify). */
export function serialize(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $numberDouble: doubleText(v) };
  if (typeof v === 'bigint') return { $numberLong: v.toString() };
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(serialize);
  if (v instanceof Date) return { $date: { $numberLong: String(v.getTime()) } };
  if (v instanceof ObjectId) return { $oid: v.hex };
  if (v instanceof Decimal128) return { $numberDecimal: v.value };
  if (v instanceof Double) return { $numberDouble: doubleText(v.value) };
  if (v instanceof Binary) return { $binary: { base64: toBase64(v.bytes), subType: v.subType.toString(16).padStart(2, '0') } };
  if (v instanceof Uint8Array) return { $binary: { base64: toBase64(v), subType: '00' } };
  if (v instanceof Timestamp) return { $timestamp: { t: v.t, i: v.i } };
  if (v instanceof BSONRegExp) return { $regularExpression: { pattern: v.pattern, options: v.options } };
  if (v instanceof RegExp) return { $regularExpression: { pattern: v.source, options: v.flags.replace(/[^imsux]/g, '') } };
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = serialize(x);
    return out;
  }
  throw new TypeError(`cannot send a ${typeof v} as Extended JSON`);
}

function only(o: Record<string, unknown>, key: string): boolean {
  const keys = Object.keys(o);
  return keys.length === 1 && keys[0] === key;
}

/** Extended JSON (canonical or relaxed, as parsed by JSON.parse) → typed values. */
export function deserialize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deserialize);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 || keys.length === 2) {
    const k = keys[0]!;
    if (k.startsWith('$')) {
      const x = o[k];
      if (only(o, '$oid') && typeof x === 'string') return new ObjectId(x);
      if (only(o, '$numberInt') && typeof x === 'string') return Number(x);
      if (only(o, '$numberDouble') && typeof x === 'string') return Number(x);
      if (only(o, '$numberLong') && typeof x === 'string') return BigInt(x);
      if (only(o, '$numberDecimal') && typeof x === 'string') return new Decimal128(x);
      if (only(o, '$date')) {
        if (typeof x === 'number') return new Date(x);
        if (typeof x === 'string') return new Date(x);
        if (x && typeof x === 'object' && typeof (x as { $numberLong?: unknown }).$numberLong === 'string') return new Date(Number((x as { $numberLong: string }).$numberLong));
      }
      if (only(o, '$binary') && x && typeof x === 'object') {
        const b = x as { base64?: unknown; subType?: unknown };
        if (typeof b.base64 === 'string' && typeof b.subType === 'string') return new Binary(fromBase64(b.base64), parseInt(b.subType, 16));
      }
      if (only(o, '$timestamp') && x && typeof x === 'object') {
        const t = x as { t?: unknown; i?: unknown };
        if (typeof t.t === 'number' && typeof t.i === 'number') return new Timestamp(t.t, t.i);
      }
      if (only(o, '$regularExpression') && x && typeof x === 'object') {
        const r = x as { pattern?: unknown; options?: unknown };
        if (typeof r.pattern === 'string') return new BSONRegExp(r.pattern, typeof r.options === 'string' ? r.options : '');
      }
      if (only(o, '$minKey')) return MINKEY;
      if (only(o, '$maxKey')) return MAXKEY;
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = deserialize(o[k]);
  return out;
}

/** The built-in codec. */
export const EJSON: Codec = {
  stringify: (value) => JSON.stringify(serialize(value)),
  parse: (text) => deserialize(JSON.parse(text)),
};
