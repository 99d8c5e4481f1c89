// $toInt, $toLong, $toDouble, $toDecimal and the numeric targets of $convert, on BSON-typed values
// (aggregate-typed.ts): the result has the target's type, whatever the input's.
import { Decimal } from 'decimal.js';
import { Decimal128, Double, Int32, Long } from '../values.ts';
import { DECIMAL, DOUBLE, INT, LONG, asNum, decOf, integral, kindOf, toDecimal128, type Num } from './aggregate-numbers.ts';

const OVERFLOW = 'Conversion would overflow target type in $convert with no onError value';

/** the $convert `to` names and type numbers of the numeric targets */
export const NUMERIC_TARGETS: Record<string, number> = { int: INT, long: LONG, double: DOUBLE, decimal: DECIMAL, 16: INT, 18: LONG, 1: DOUBLE, 19: DECIMAL };

function parseFailure(s: string, to: string): Error {
  return new Error(`Failed to parse ${to === 'decimal' ? 'decimal' : 'number'} '${s}' in $convert with no onError value`);
}

/** A whole number (an integral value of any numeric type) within the target's range. */
function whole(n: Num, kind: number): Num {
  const k = kindOf(n);
  if (k === INT || k === LONG) {
    const r = integral(n instanceof Int32 ? n.value : (n as Long).toBigInt(), kind);
    if (kindOf(r) !== kind) throw new Error(OVERFLOW);
    return r;
  }
  const d = k === DECIMAL ? new Decimal((n as Decimal128).toString()) : new Decimal((n as Double).value);
  if (!d.isFinite()) throw new Error(`Attempt to convert ${d.isNaN() ? 'NaN' : 'infinity'} value to integer type in $convert with no onError value`);
  const r = integral(BigInt(d.trunc().toFixed(0)), kind);
  if (kindOf(r) !== kind) throw new Error(OVERFLOW);
  return r;
}

/** `v` converted to the numeric type `kind` (INT, LONG, DOUBLE, DECIMAL); null for null or missing. */
export function convertNumber(v: unknown, kind: number, to: string): Num | null {
  if (v === null || v === undefined) return null;
  let n = asNum(v);
  if (n === undefined) {
    if (typeof v === 'boolean') n = new Int32(v ? 1 : 0);
    else if (v instanceof Date) {
      if (kind === INT) throw new Error('Unsupported conversion from date to int in $convert with no onError value');
      n = Long.fromNumber(v.getTime());
    } else if (typeof v === 'string') {
      n = parseNumber(v, kind, to);
    } else {
      throw new Error(`Unsupported conversion from ${v === null ? 'null' : typeof v} to ${to} in $convert with no onError value`);
    }
  }
  if (kind === INT || kind === LONG) return whole(n, kind);
  if (kind === DOUBLE) return n instanceof Double ? n : new Double(n instanceof Decimal128 ? Number.parseFloat(n.toString()) : Number(n instanceof Int32 ? n.value : (n as Long).toBigInt()));
  if (n instanceof Decimal128) return n;
  const x = decOf(n);
  return toDecimal128(x.d, x.e);
}

function parseNumber(s: string, kind: number, to: string): Num {
  if (kind === INT || kind === LONG) {
    if (!/^[+-]?\d+$/.test(s)) throw parseFailure(s, to);
    const r = integral(BigInt(s), kind);
    if (kindOf(r) !== kind) throw new Error(OVERFLOW);
    return r;
  }
  if (kind === DECIMAL) {
    try {
      return Decimal128.fromString(s.trim() === s ? s : '');
    } catch {
      throw parseFailure(s, to);
    }
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|inf)$|^NaN$/i.test(s)) throw parseFailure(s, to);
  return new Double(/inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s));
}
