// Relaxed JSON reader with the dialect of the MongoDB Java driver's JsonReader (API.md §3.2).
//
// JSON.parse cannot be used: it loses the Int32 / Int64 / Double distinction and knows neither
// single quotes, unquoted keys nor shell constructors. The output is the "exact" value model of
// engine/values.ts. Extended JSON type wrappers are recognised by their first key, as the Java
// reader does; any other `$`-object (`{"$gt":1}`) stays a plain object.
import { Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { JsonSyntaxError, CONSTRUCTORS, INT_RE, OID_RE, binaryOf, convertWrapper, dateOf, makeRegex, parseIsoDate, timestampOf, toDecimal, toInteger, toLong, uuidOf } from './ejson.ts';

export { JsonSyntaxError };

const MAX_DEPTH = 100;

const WRAPPERS = new Set(['$oid', '$date', '$numberInt', '$numberLong', '$numberDouble', '$numberDecimal', '$binary', '$type',
  '$uuid', '$timestamp', '$regularExpression', '$regex', '$options', '$minKey', '$maxKey', '$symbol', '$code', '$undefined']);

const ESCAPES: Record<number, string> = { 34: '"', 39: "'", 47: '/', 92: '\\', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };

type Doc = Record<string, unknown>;
/** A constructor argument: a string, or a number kept as its source text. */
interface Arg { kind: 'string' | 'int' | 'double'; text: string; pos: number }

export function parseJson(text: string): unknown {
  return parseJsonAt(text, 0);
}

/** parseJson for a value found at this nesting depth (an item of a top-level array is at 1). */
export function parseJsonAt(text: string, depth: number): unknown {
  const p = new Parser(text);
  const value = p.parseValue(depth);
  if (p.skipWs() !== -1) throw p.unexpected();
  return value;
}

/**
 * parseJson for a large text: the items of a top-level array (a bulk write's documents) are parsed
 * a slice of `sliceMs` at a time, giving way in between; any other value at once. Parsing 13.5 MB
 * in one step held the event loop for over 300 ms (a /ping beside it waited as long).
 */
export async function parseJsonInSlices(text: string, giveWay: () => Promise<unknown>, sliceMs: number): Promise<unknown> {
  const p = new Parser(text);
  if (p.skipWs() !== 91) return parseJson(text);
  p.pos++;
  const arr: unknown[] = [];
  let start = performance.now();
  // the items and commas of Parser.list, with a pause between items once the slice is used up
  if (!p.eat(93)) {
    for (;;) {
      arr.push(p.parseValue(1));
      if (p.eat(93)) break;
      if (!p.eat(44)) throw p.unexpected();
      if (p.eat(93)) break;
      if (performance.now() - start >= sliceMs) {
        await giveWay();
        start = performance.now();
      }
    }
  }
  if (p.skipWs() !== -1) throw p.unexpected();
  return arr;
}

function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 36 || c === 95 || (c > 127 && /\p{L}/u.test(String.fromCharCode(c)));
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || (c > 127 && /\p{N}/u.test(String.fromCharCode(c)));
}

class Parser {
  readonly text: string;
  pos = 0;
  constructor(text: string) {
    this.text = text;
  }

  error(message: string, at = this.pos): JsonSyntaxError {
    return new JsonSyntaxError(message, at);
  }

  unexpected(): JsonSyntaxError {
    if (this.pos >= this.text.length) return new JsonSyntaxError('Unexpected end of input', this.pos);
    const ch = String.fromCodePoint(this.text.codePointAt(this.pos)!);
    return new JsonSyntaxError(`Unexpected character '${ch}'`, this.pos);
  }

  /** Skips whitespace; returns the next char code, or -1 at the end. */
  skipWs(): number {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (!isWs(c)) return c;
      this.pos++;
    }
    return -1;
  }

  /** Consumes `code` if it is the next non-blank char. */
  eat(code: number): boolean {
    if (this.skipWs() !== code) return false;
    this.pos++;
    return true;
  }

  parseValue(depth: number): unknown {
    const c = this.skipWs();
    if (c === 123) return this.parseObject(depth);
    if (c === 91) return this.parseArray(depth);
    if (c === 34 || c === 39) return this.parseString(c);
    if (c === 45 || isDigit(c)) return this.numberValue(this.scanNumber());
    if (c === 47) return this.parseRegexLiteral();
    if (c !== -1 && isIdentStart(c)) return this.parseIdentValue();
    throw this.unexpected();
  }

  /** After the opening bracket: items separated by commas up to `close`; a trailing comma is tolerated (Java does). */
  list(close: number, item: () => void): void {
    if (this.eat(close)) return;
    for (;;) {
      item();
      if (this.eat(close)) return;
      if (!this.eat(44)) throw this.unexpected();
      if (this.eat(close)) return;
    }
  }

  parseObject(depth: number): unknown {
    const start = this.pos++;
    if (depth >= MAX_DEPTH) throw this.error(`Maximum nesting depth of ${MAX_DEPTH} exceeded`, start);
    const obj: Doc = {};
    let first: string | undefined;
    this.list(125, () => {
      const key = this.parseKey();
      if (!this.eat(58)) throw this.unexpected();
      const value = this.parseValue(depth + 1);
      first ??= key;
      // An own data property: assigning `__proto__` would replace the prototype instead.
      if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
      else obj[key] = value;
    });
    return first !== undefined && first.charCodeAt(0) === 36 && WRAPPERS.has(first) ? convertWrapper(obj, first, start) : obj;
  }

  parseArray(depth: number): unknown[] {
    const start = this.pos++;
    if (depth >= MAX_DEPTH) throw this.error(`Maximum nesting depth of ${MAX_DEPTH} exceeded`, start);
    const arr: unknown[] = [];
    this.list(93, () => arr.push(this.parseValue(depth + 1)));
    return arr;
  }

  parseKey(): string {
    const c = this.skipWs();
    if (c === 34 || c === 39) return this.parseString(c);
    if (c === -1 || !isIdentStart(c)) throw this.unexpected();
    // Unquoted keys may be dotted paths (`a.b`) or operators (`$gt`).
    const start = this.pos;
    const t = this.text;
    while (this.pos < t.length && (isIdentPart(t.charCodeAt(this.pos)) || t.charCodeAt(this.pos) === 46)) this.pos++;
    return t.slice(start, this.pos);
  }

  parseString(quote: number): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let seg = i;
    let out = '';
    for (;;) {
      if (i >= t.length) throw this.error('Unterminated string', start);
      const c = t.charCodeAt(i);
      if (c === quote) {
        this.pos = i + 1;
        return out + t.slice(seg, i);
      }
      if (c !== 92) {
        i++;
        continue;
      }
      out += t.slice(seg, i);
      if (i + 1 >= t.length) throw this.error('Unterminated string', start);
      const e = t.charCodeAt(i + 1);
      if (e === 117) {
        const hex = t.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error('Invalid unicode escape sequence', i);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) throw this.error(`Invalid escape sequence '\\${String.fromCodePoint(t.codePointAt(i + 1)!)}'`, i);
        out += r;
      }
      i += 2;
      seg = i;
    }
  }

  /** Scans a number token: returns its text and whether it is a floating point literal. */
  scanNumber(): Arg {
    const t = this.text;
    const start = this.pos;
    let i = start;
    let kind: Arg['kind'] = 'int';
    if (t.charCodeAt(i) === 45) i++;
    if (t.startsWith('Infinity', i)) {
      i += 8;
      kind = 'double';
    } else {
      const d0 = i;
      while (isDigit(t.charCodeAt(i))) i++;
      if (i === d0) throw this.error('Invalid number', start);
      if (t.charCodeAt(i) === 46) {
        kind = 'double';
        const f0 = ++i;
        while (isDigit(t.charCodeAt(i))) i++;
        if (i === f0) throw this.error('Invalid number', start);
      }
      const e = t.charCodeAt(i);
      if (e === 101 || e === 69) {
        kind = 'double';
        i++;
        const s = t.charCodeAt(i);
        if (s === 43 || s === 45) i++;
        const x0 = i;
        while (isDigit(t.charCodeAt(i))) i++;
        if (i === x0) throw this.error('Invalid number', start);
      }
    }
    if (i < t.length && (isIdentPart(t.charCodeAt(i)) || t.charCodeAt(i) === 46)) throw this.error('Invalid number', start);
    this.pos = i;
    return { kind, text: t.slice(start, i), pos: start };
  }

  numberValue(n: Arg): Int32 | Long | Double {
    return n.kind === 'double' ? new Double(Number(n.text)) : toInteger(n.text, n.pos);
  }

  parseRegexLiteral(): unknown {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= t.length) throw this.error('Unterminated regular expression', start);
      const c = t.charCodeAt(i);
      if (c === 47) break;
      i += c === 92 ? 2 : 1;
    }
    const pattern = t.slice(start + 1, i);
    let j = ++i;
    while (j < t.length && isIdentPart(t.charCodeAt(j))) j++;
    this.pos = j;
    return makeRegex(pattern, t.slice(i, j), start);
  }

  parseIdentValue(): unknown {
    const start = this.pos;
    const name = this.scanIdent();
    switch (name) {
      case 'true': return true;
      case 'false': return false;
      case 'null': case 'undefined': return null;
      case 'NaN': return new Double(Number.NaN);
      case 'Infinity': return new Double(Number.POSITIVE_INFINITY);
      case 'new': {
        this.skipWs();
        const at = this.pos;
        const ctor = this.scanIdent();
        if (!CONSTRUCTORS.has(ctor)) throw this.error(`Unknown constructor '${ctor}'`, at);
        return this.construct(ctor, at);
      }
      default:
        if (CONSTRUCTORS.has(name)) return this.construct(name, start);
        throw this.error(`Unexpected identifier '${name}'`, start);
    }
  }

  scanIdent(): string {
    const t = this.text;
    const start = this.pos;
    if (start < t.length && isIdentStart(t.charCodeAt(start))) this.pos++;
    while (this.pos < t.length && isIdentPart(t.charCodeAt(this.pos))) this.pos++;
    return t.slice(start, this.pos);
  }

  /** `(arg, ...)` of a shell constructor; each arg a string or a number. */
  parseArgs(optional: boolean): Arg[] {
    const args: Arg[] = [];
    if (!this.eat(40)) {
      if (optional) return args;
      throw this.unexpected();
    }
    this.list(41, () => {
      const c = this.skipWs();
      if (c === 34 || c === 39) args.push({ kind: 'string', pos: this.pos, text: this.parseString(c) });
      else if (c === 45 || isDigit(c)) args.push(this.scanNumber());
      else throw this.unexpected();
    });
    return args;
  }

  construct(name: string, at: number): unknown {
    const args = this.parseArgs(name === 'MinKey' || name === 'MaxKey');
    const bad = () => this.error(`Invalid arguments for ${name}()`, at);
    const [a, b] = args;
    const n = args.length;
    const str = (x: Arg | undefined) => (x?.kind === 'string' ? x.text : undefined);
    const int = (x: Arg | undefined) => (x?.kind === 'int' ? Number(x.text) : undefined);
    switch (name) {
      case 'MinKey': if (n === 0) return new MinKey(); throw bad();
      case 'MaxKey': if (n === 0) return new MaxKey(); throw bad();
      case 'ObjectId':
        if (n === 0) return new ObjectId();
        if (n === 1 && OID_RE.test(str(a) ?? '')) return ObjectId.createFromHexString(a!.text);
        throw bad();
      case 'ISODate': case 'Date': {
        if (n === 0) return new Date();
        if (n === 1 && a!.kind === 'string') {
          const ms = parseIsoDate(a!.text, true) ?? (name === 'Date' ? Date.parse(a!.text) : Number.NaN);
          if (Number.isNaN(ms)) throw this.error(`Failed to parse string as a date: ${a!.text}`, at);
          return dateOf(ms, at);
        }
        if (name === 'ISODate' || args.some((x) => x.kind !== 'int')) throw bad();
        if (n === 1) return dateOf(Number(a!.text), at);
        if (n < 3 || n > 7) throw bad();
        const f = args.map((x) => Number(x.text));
        const d = new Date(0);
        d.setUTCFullYear(f[0]!, f[1]!, f[2]!);
        d.setUTCHours(f[3] ?? 0, f[4] ?? 0, f[5] ?? 0, f[6] ?? 0);
        return dateOf(d.getTime(), at);
      }
      case 'NumberInt': {
        if (n !== 1 || a!.kind === 'double') throw bad();
        const v = Number(a!.text);
        if (!INT_RE.test(a!.text) || v < -2147483648 || v > 2147483647) throw bad();
        return new Int32(v);
      }
      case 'NumberLong':
        if (n !== 1 || a!.kind === 'double' || !INT_RE.test(a!.text)) throw bad();
        return toLong(a!.text, at);
      case 'NumberDecimal':
        if (n !== 1) throw bad();
        return toDecimal(a!.text, at);
      case 'Timestamp': {
        const t = int(a), i = int(b);
        if (n !== 2 || t === undefined || i === undefined) throw bad();
        return timestampOf(t, i, at);
      }
      case 'BinData': {
        const sub = int(a), data = str(b);
        if (n !== 2 || sub === undefined || sub < 0 || sub > 255 || data === undefined) throw bad();
        return binaryOf(data, sub, at);
      }
      case 'UUID':
        if (n !== 1 || a!.kind !== 'string') throw bad();
        return uuidOf(a!.text, at);
      case 'RegExp':
        if (n < 1 || n > 2 || a!.kind !== 'string' || (n === 2 && b!.kind !== 'string')) throw bad();
        return makeRegex(a!.text, b?.text ?? '', at);
    }
    throw bad();
  }
}
