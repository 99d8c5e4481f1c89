// Scalar update operators ($set, $unset, $inc, $mul, $min, $max, $currentDate, $bit) and the
// pieces every operator shares. update.ts walks the paths; an operator only sees its target value.
// Messages and codes follow MongoDB's update nodes (src/mongo/db/update/*_node.cpp).
import { BSONSymbol } from 'bson';
import { Query } from './mingo-context.ts';
import { EngineError } from '../errors.ts';
import {
  BSONRegExp, Binary, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp,
  cloneValue, compareValues, isNumeric, isPlainObject, numberOf, toView,
} from './values.ts';

/** Returned by Leaf.update: remove the target (an array element becomes null). */
export const UNSET: unique symbol = Symbol('unset');
/** Returned by Leaf.update: leave the target as it is. */
export const KEEP: unique symbol = Symbol('keep');

/** The concrete place an operator applies to, for its messages. */
export interface Target {
  path: string;
  field: string;
  id: unknown;
  hasId: boolean;
}

export interface Leaf {
  /** whether a missing target is created; if not, the operator is a no-op on missing paths */
  readonly creates: boolean;
  /** the new value of an existing target (may be the mutated argument), UNSET or KEEP */
  update(current: unknown, at: Target): unknown;
  /** the value of a target that does not exist yet */
  create(at: Target): unknown;
}

export const badValue = (m: string) => new EngineError(2, 'BadValue', m);
export const failedToParse = (m: string) => new EngineError(9, 'FailedToParse', m);
export const typeMismatch = (m: string) => new EngineError(14, 'TypeMismatch', m);
export const pathNotViable = (m: string) => new EngineError(28, 'PathNotViable', m);

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const isInt32Number = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;

/** MongoDB's type names, as its error messages print them. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'number': return isInt32Number(v) ? 'int' : 'double';
    case 'bigint': return 'long';
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Int32) return 'int';
  if (v instanceof Double) return 'double';
  if (v instanceof Long) return 'long';
  if (v instanceof Decimal128) return 'decimal';
  if (v instanceof Date) return 'date';
  if (v instanceof ObjectId) return 'objectId';
  if (v instanceof Timestamp) return 'timestamp';
  if (v instanceof Binary || v instanceof Uint8Array) return 'binData';
  if (v instanceof RegExp || v instanceof BSONRegExp) return 'regex';
  if (v instanceof MinKey) return 'minKey';
  if (v instanceof MaxKey) return 'maxKey';
  if (v instanceof Code) return 'javascript';
  if (v instanceof BSONSymbol) return 'symbol';
  return 'object';
}

/** Approximately BSONElement::toString, for messages. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (v instanceof Double) return Number.isInteger(v.value) ? v.value.toFixed(1) : String(v.value);
  if (v instanceof Int32 || v instanceof Long) return v.toString();
  if (v instanceof Decimal128) return `NumberDecimal("${v.toString()}")`;
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return v.length ? `[ ${v.map(fmtValue).join(', ')} ]` : '[]';
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    return keys.length ? `{ ${keys.map((k) => fmtElem(k, v[k])).join(', ')} }` : '{}';
  }
  return String(v);
}

export const fmtElem = (name: string, v: unknown) => `${name}: ${fmtValue(v)}`;
export const idText = (at: Target) => (at.hasId ? fmtElem('_id', at.id) : 'no id');

/** mingo query over views; a spec mingo rejects is the client's error. */
export function makeQuery(spec: unknown): Query {
  try {
    return new Query(forMingo(spec) as Record<string, unknown>);
  } catch (err) {
    throw badValue((err as Error).message);
  }
}

/** toView of a query spec (mingo). */
export function forMingo(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(forMingo);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = forMingo(v[k]);
    return out;
  }
  return toView(v);
}

// ---- numbers ----------------------------------------------------------------------------

// Promotion follows MongoDB's SafeNum: the wider kind wins (int < long < double < decimal).
const INT = 0, LONG = 1, DOUBLE = 2, DECIMAL = 3;

function kindOf(v: unknown): number {
  if (v instanceof Int32) return INT;
  if (v instanceof Long) return LONG;
  if (v instanceof Decimal128) return DECIMAL;
  if (typeof v === 'number') return isInt32Number(v) ? INT : DOUBLE;
  return DOUBLE;
}

function toBig(v: unknown): bigint {
  if (v instanceof Long) return v.toBigInt();
  return BigInt(numberOf(v));
}

/** A plain JS number in wrapper form, as the BSON serializer would type it. */
export function wrapNumber(v: unknown): unknown {
  if (typeof v !== 'number') return v;
  return isInt32Number(v) && !Object.is(v, -0) ? new Int32(v) : new Double(v);
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** a+b or a*b with MongoDB's result type; null when a 64-bit result overflows. */
export function arith(op: 'add' | 'mul', a: unknown, b: unknown): unknown {
  const kind = Math.max(kindOf(a), kindOf(b));
  if (kind === DECIMAL) return decimalArith(op, a, b);
  if (kind === DOUBLE) {
    const x = numberOf(a), y = numberOf(b);
    return new Double(op === 'add' ? x + y : x * y);
  }
  const x = toBig(a), y = toBig(b);
  const r = op === 'add' ? x + y : x * y;
  // int32 overflow promotes to long; long overflow is an error, as in MongoDB.
  if (kind === INT && r >= BigInt(INT32_MIN) && r <= BigInt(INT32_MAX)) return new Int32(Number(r));
  if (r < LONG_MIN || r > LONG_MAX) return null;
  return Long.fromBigInt(r);
}

interface Dec { c: bigint; e: number }
const DEC_RE = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function parseDec(s: string): Dec | null {
  const m = DEC_RE.exec(s);
  if (!m) return null;
  const frac = m[3] ?? '';
  const c = BigInt(m[2]! + frac);
  return { c: m[1] ? -c : c, e: Number(m[4] ?? 0) - frac.length };
}

// Decimal128 arithmetic is done exactly on (coefficient, exponent) pairs and rounded to 34
// digits once. A double operand converts with 15 significant digits, as MongoDB's
// Decimal128(double) does; NaN/Infinity go through JS numbers.
function toDec(v: unknown): Dec | null {
  if (v instanceof Decimal128) return parseDec(v.toString());
  if (kindOf(v) === DOUBLE) {
    const x = numberOf(v);
    return Number.isFinite(x) ? parseDec(x.toPrecision(15)) : null;
  }
  return { c: toBig(v), e: 0 };
}

function decimalArith(op: 'add' | 'mul', a: unknown, b: unknown): Decimal128 {
  const x = toDec(a), y = toDec(b);
  if (!x || !y) {
    const r = op === 'add' ? numberOf(a) + numberOf(b) : numberOf(a) * numberOf(b);
    return Decimal128.fromString(Number.isNaN(r) ? 'NaN' : r > 0 ? 'Infinity' : '-Infinity');
  }
  let c: bigint, e: number;
  if (op === 'mul') {
    c = x.c * y.c;
    e = x.e + y.e;
  } else {
    e = Math.min(x.e, y.e);
    c = x.c * 10n ** BigInt(x.e - e) + y.c * 10n ** BigInt(y.e - e);
  }
  try {
    return Decimal128.fromStringWithRounding(`${c}E${e}`);
  } catch {
    throw badValue(`Decimal128 result out of range: ${c}E${e}`);
  }
}

// ---- operators ----------------------------------------------------------------------------

export function setLeaf(arg: unknown): Leaf {
  return { creates: true, update: () => cloneValue(arg), create: () => cloneValue(arg) };
}

export const unsetLeaf: Leaf = { creates: false, update: () => UNSET, create: () => undefined };

/** $setOnInsert outside an upsert-insert: parsed and conflict-checked, but does nothing. */
export const noopLeaf: Leaf = { creates: false, update: () => KEEP, create: () => undefined };

export function arithLeaf(op: '$inc' | '$mul', path: string, arg: unknown): Leaf {
  if (!isNumeric(arg)) {
    const verb = op === '$inc' ? 'increment' : 'multiply';
    throw typeMismatch(`Cannot ${verb} with non-numeric argument: {${fmtElem(path, arg)}}`);
  }
  const fn = op === '$inc' ? 'add' : 'mul';
  return {
    creates: true,
    update(cur, at) {
      if (!isNumeric(cur)) {
        throw typeMismatch(`Cannot apply ${op} to a value of non-numeric type. {${idText(at)}} has the field '${at.field}' of non-numeric type ${typeName(cur)}`);
      }
      const r = arith(fn, cur, arg);
      if (r === null) {
        throw badValue(`Failed to apply ${op} operations to current value (${fmtValue(cur)}) for document {${idText(at)}}`);
      }
      return r;
    },
    // $mul on a missing field yields a zero of the operand's type (MongoDB multiplies by int 0).
    create: () => (op === '$inc' ? wrapNumber(arg) : arith('mul', arg, new Int32(0))),
  };
}

export function compareLeaf(op: '$min' | '$max', arg: unknown): Leaf {
  return {
    creates: true,
    update(cur) {
      const c = compareValues(arg, cur);
      return (op === '$min' ? c < 0 : c > 0) ? cloneValue(arg) : KEEP;
    },
    create: () => cloneValue(arg),
  };
}

let lastSecond = 0;
let increment = 0;

// A Timestamp like the server's logical clock: seconds, plus a counter within the second.
function nextTimestamp(now: Date): Timestamp {
  const t = Math.floor(now.getTime() / 1000);
  if (t === lastSecond) increment++;
  else {
    lastSecond = t;
    increment = 1;
  }
  return new Timestamp({ t, i: increment });
}

export function currentDateLeaf(arg: unknown, now: Date): Leaf {
  let isDate = true;
  if (isPlainObject(arg)) {
    let found = false;
    for (const k of Object.keys(arg)) {
      if (k !== '$type') throw badValue(`Unrecognized $currentDate option: ${k}`);
      if (arg[k] === 'date' || arg[k] === 'timestamp') {
        isDate = arg[k] === 'date';
        found = true;
      }
    }
    if (!found) {
      throw badValue("The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}");
    }
  } else if (typeof arg !== 'boolean') {
    throw badValue(`${typeName(arg)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`);
  }
  const make = () => (isDate ? new Date(now.getTime()) : nextTimestamp(now));
  return { creates: true, update: make, create: make };
}

const isIntegral = (v: unknown) => v instanceof Int32 || v instanceof Long || isInt32Number(v);

function bitOp(op: string, a: unknown, b: unknown): Int32 | Long {
  const x = toBig(a), y = toBig(b);
  const r = op === 'and' ? x & y : op === 'or' ? x | y : x ^ y;
  if (a instanceof Long || b instanceof Long) return Long.fromBigInt(BigInt.asIntN(64, r));
  return new Int32(Number(BigInt.asIntN(32, r)));
}

export function bitLeaf(arg: unknown): Leaf {
  const usage = '{$bit: {field: {and/or/xor: #}}';
  if (!isPlainObject(arg)) {
    throw badValue(`The $bit modifier is not compatible with a ${typeName(arg)}. You must pass in an embedded document: ${usage}`);
  }
  const ops = Object.entries(arg);
  for (const [op, operand] of ops) {
    if (op !== 'and' && op !== 'or' && op !== 'xor') {
      throw badValue(`The $bit modifier only supports 'and', 'or', and 'xor', not '${op}' which is an unknown operator: {${fmtElem(op, operand)}}`);
    }
    if (!isIntegral(operand)) {
      throw badValue(`The $bit modifier field must be an Integer(32/64 bit); a '${typeName(operand)}' is not supported here: {${fmtElem(op, operand)}}`);
    }
  }
  if (ops.length === 0) throw badValue(`You must pass in at least one bitwise operation. The format is: ${usage}`);
  const run = (start: unknown) => ops.reduce<unknown>((v, [op, operand]) => bitOp(op, v, operand), start);
  return {
    creates: true,
    update(cur, at) {
      if (!isIntegral(cur)) {
        throw badValue(`Cannot apply $bit to a value of non-integral type.${idText(at)} has the field ${at.field} of non-integer type ${typeName(cur)}`);
      }
      return run(cur);
    },
    create: () => run(new Int32(0)),
  };
}

/** Equality that also requires the same BSON types (MongoDB's binary equality), for _id checks. */
export function identical(a: unknown, b: unknown): boolean {
  if (isNumeric(a) || isNumeric(b)) {
    if (!isNumeric(a) || !isNumeric(b) || kindOf(a) !== kindOf(b)) return false;
    if (a instanceof Decimal128) return a.toString() === (b as Decimal128).toString();
    return compareValues(a, b) === 0;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => identical(x, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && identical(a[k], b[k]));
  }
  return typeName(a) === typeName(b) && compareValues(a, b) === 0;
}
