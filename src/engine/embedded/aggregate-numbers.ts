// MongoDB's numeric arithmetic on BSON-typed numbers, for embedded aggregations
// (aggregate-typed.ts). The result of an operation has the widest type of its operands
// (Int32 < Int64 < Double < Decimal128); an Int32 result that overflows becomes an Int64, an
// Int64 one a Double. Decimal128 arithmetic is exact decimal arithmetic (decimal.js) rounded to 34
// digits half to even, and keeps the exponent IEEE 754 prefers, as MongoDB does: 1.10 + 2.20 is
// 3.30, 2.50 × 2 is 5.00. A Double meeting a Decimal128 is first converted with 15 significant
// digits (2.5 → 2.50000000000000), as MongoDB converts it.
import { Decimal } from 'decimal.js';
import { Decimal128, Double, Int32, Long, numberOf } from '../values.ts';

export type Num = Int32 | Long | Double | Decimal128;

export const INT = 0;
export const LONG = 1;
export const DOUBLE = 2;
export const DECIMAL = 3;

// wide enough that the sum or product of two Decimal128 coefficients is exact
const Dec = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15, minE: -9e15, maxE: 9e15 });
type Dec = Decimal;
const DIGITS = 34;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function kindOf(n: Num): number {
  return n instanceof Int32 ? INT : n instanceof Long ? LONG : n instanceof Double ? DOUBLE : DECIMAL;
}

/** A JS number of the numeric view as a typed number: Int32 when integral and in range, Int64 when integral and safe, else Double. */
export function fromNumber(v: number): Num {
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    if (v >= INT32_MIN && v <= INT32_MAX) return new Int32(v);
    if (Number.isSafeInteger(v)) return Long.fromNumber(v);
  }
  return new Double(v);
}

/** Any numeric value (wrapper or JS number) as a typed number; undefined for anything else. */
export function asNum(v: unknown): Num | undefined {
  if (typeof v === 'number') return fromNumber(v);
  if (v instanceof Int32 || v instanceof Long || v instanceof Double || v instanceof Decimal128) return v;
  return undefined;
}

/** An integral result of an operation on integers: Int32 when the widest operand was and it fits, else Int64, else Double. */
export function integral(r: bigint | number, kind: number): Num {
  if (typeof r === 'number') {
    if (kind === INT && r >= INT32_MIN && r <= INT32_MAX) return new Int32(r);
    if (Number.isSafeInteger(r)) return Long.fromNumber(r);
    r = BigInt(r);
  }
  if (kind === INT && r >= INT32_MIN && r <= INT32_MAX) return new Int32(Number(r));
  if (r >= INT64_MIN && r <= INT64_MAX) return Long.fromBigInt(r);
  return new Double(Number(r));
}

export function bigOf(n: Int32 | Long): bigint {
  return n instanceof Int32 ? BigInt(n.value) : n.toBigInt();
}

/** The exact value of a typed number as a decimal, and the exponent MongoDB gives it as a Decimal128. */
export function decOf(n: Num): { d: Dec; e: number } {
  if (n instanceof Decimal128) {
    const s = n.toString();
    const m = /^-?(\d+)(?:\.(\d+))?(?:E([+-]\d+))?$/.exec(s);
    if (!m) return { d: new Dec(s), e: 0 };
    return { d: new Dec(s), e: Number(m[3] ?? 0) - (m[2]?.length ?? 0) };
  }
  if (n instanceof Double) {
    const v = n.value;
    if (!Number.isFinite(v)) return { d: new Dec(v), e: 0 };
    if (v === 0) return { d: new Dec(Object.is(v, -0) ? '-0' : '0'), e: 0 };
    const d = new Dec(v).toSignificantDigits(15);
    return { d, e: d.e - 14 };
  }
  return { d: new Dec(n instanceof Int32 ? n.value : n.toString()), e: 0 };
}

/** A decimal result as a Decimal128: exact ones with the exponent nearest `ideal`, others rounded to 34 digits. */
export function toDecimal128(d: Dec, ideal: number): Decimal128 {
  if (!d.isFinite()) return Decimal128.fromString(d.isNaN() ? 'NaN' : d.isNeg() ? '-Infinity' : 'Infinity');
  const sign = d.isNeg() ? '-' : '';
  if (d.isZero()) return Decimal128.fromString(`${sign}0E${Math.max(-6176, Math.min(6111, ideal))}`);
  let exp: number;
  const digits = d.sd();
  if (digits <= DIGITS) {
    const lowest = d.e - digits + 1;
    exp = Math.min(Math.max(ideal, lowest - (DIGITS - digits)), lowest);
  } else {
    d = d.toSignificantDigits(DIGITS, Decimal.ROUND_HALF_EVEN);
    exp = d.e - DIGITS + 1;
  }
  const coefficient = d.abs().times(new Dec(10).pow(-exp)).toFixed(0);
  return Decimal128.fromString(`${sign}${coefficient}E${exp}`);
}

function decimalOp(op: '+' | '-' | '*', a: Num, b: Num): Decimal128 {
  const x = decOf(a);
  const y = decOf(b);
  if (op === '*') return toDecimal128(x.d.times(y.d), x.e + y.e);
  return toDecimal128(op === '+' ? x.d.plus(y.d) : x.d.minus(y.d), Math.min(x.e, y.e));
}

/** a + b, a − b or a × b with MongoDB's result type. */
export function arith(op: '+' | '-' | '*', a: Num, b: Num): Num {
  const kind = Math.max(kindOf(a), kindOf(b));
  if (kind === DECIMAL) return decimalOp(op, a, b);
  const x = numberOf(a);
  const y = numberOf(b);
  const r = op === '+' ? x + y : op === '-' ? x - y : x * y;
  if (kind === DOUBLE) return new Double(r);
  if (Number.isSafeInteger(r) && (kind === INT || (Number.isSafeInteger(x) && Number.isSafeInteger(y)))) return integral(r, kind);
  const p = bigOf(a as Int32 | Long);
  const q = bigOf(b as Int32 | Long);
  return integral(op === '+' ? p + q : op === '-' ? p - q : p * q, kind);
}

const isZero = (n: Num) => (n instanceof Decimal128 ? decOf(n).d.isZero() : numberOf(n) === 0);

/** a ÷ b: Double, or Decimal128 when either is one. */
export function divide(a: Num, b: Num): Num {
  if (isZero(b)) throw new Error("can't $divide by zero");
  if (kindOf(a) === DECIMAL || kindOf(b) === DECIMAL) {
    const x = decOf(a);
    const y = decOf(b);
    return toDecimal128(x.d.div(y.d), x.e - y.e);
  }
  return new Double(numberOf(a) / numberOf(b));
}

/** The remainder of a ÷ b, with the sign of a and the widest type. */
export function mod(a: Num, b: Num): Num {
  if (isZero(b)) throw new Error("can't $mod by 0");
  const kind = Math.max(kindOf(a), kindOf(b));
  if (kind === DECIMAL) {
    const x = decOf(a);
    const y = decOf(b);
    return toDecimal128(x.d.mod(y.d), Math.min(x.e, y.e));
  }
  if (kind === DOUBLE) return new Double(numberOf(a) % numberOf(b));
  return integral(bigOf(a as Int32 | Long) % bigOf(b as Int32 | Long), kind);
}

/** $abs, $ceil, $floor: the operand's type (the absolute value of the least Int32 is an Int64). */
export function unary(op: 'abs' | 'ceil' | 'floor', n: Num): Num {
  const kind = kindOf(n);
  if (kind === DECIMAL) {
    const x = decOf(n);
    if (op === 'abs') return toDecimal128(x.d.abs(), x.e);
    return toDecimal128(op === 'ceil' ? x.d.ceil() : x.d.floor(), Math.max(0, x.e));
  }
  if (kind === DOUBLE) return new Double(Math[op](numberOf(n)));
  if (op !== 'abs') return n;
  const b = bigOf(n as Int32 | Long);
  if (b === INT64_MIN) throw new Error("can't take $abs of long long min");
  return integral(b < 0n ? -b : b, kind);
}

/** $round (half to even) and $trunc to `place` decimal places (negative: to tens, hundreds…), keeping the type. */
export function roundTo(n: Num, place: number, half: boolean): Num {
  const mode = half ? Decimal.ROUND_HALF_EVEN : Decimal.ROUND_DOWN;
  const kind = kindOf(n);
  if (kind === DECIMAL || kind === DOUBLE) {
    const x = decOf(n);
    if (!x.d.isFinite() || (kind === DECIMAL && x.e >= -place)) return n;
    const scale = new Dec(10).pow(place);
    const r = (kind === DOUBLE ? new Dec(numberOf(n)) : x.d).times(scale).toDecimalPlaces(0, mode).div(scale);
    return kind === DOUBLE ? new Double(r.toNumber()) : toDecimal128(r, -place);
  }
  if (place >= 0) return n;
  const unit = 10n ** BigInt(-place);
  const b = bigOf(n as Int32 | Long);
  let q = b / unit;
  const rest = b - q * unit;
  if (half && rest !== 0n) {
    const twice = 2n * (rest < 0n ? -rest : rest);
    if (twice > unit || (twice === unit && q % 2n !== 0n)) q += rest < 0n ? -1n : 1n;
  }
  return integral(q * unit, kind);
}

/** A running $sum: exact integers while they are, doubles once one is met, decimals once one is met. */
export class Sum {
  private kind = INT;
  private n = 0;
  private big: bigint | undefined;
  private dec: Dec | undefined;
  private exp = 0;
  count = 0;

  add(v: Num): void {
    this.count++;
    const k = kindOf(v);
    if (k === DECIMAL || this.kind === DECIMAL) {
      if (this.kind !== DECIMAL) {
        this.dec = this.kind === DOUBLE ? decOf(new Double(this.n)).d : new Dec((this.big ?? this.n).toString());
        if (this.kind === DOUBLE) this.exp = decOf(new Double(this.n)).e;
        this.kind = DECIMAL;
      }
      const x = decOf(v);
      this.dec = this.dec!.plus(x.d);
      this.exp = Math.min(this.exp, x.e);
      return;
    }
    if (k === DOUBLE || this.kind === DOUBLE) {
      this.n = (this.kind === DOUBLE ? this.n : Number(this.big ?? this.n)) + numberOf(v);
      this.big = undefined;
      this.kind = DOUBLE;
      return;
    }
    if (k > this.kind) this.kind = k;
    if (this.big === undefined && (k === INT || Number.isSafeInteger(numberOf(v)))) {
      const r = this.n + numberOf(v);
      if (Number.isSafeInteger(r)) {
        this.n = r;
        return;
      }
    }
    this.big = (this.big ?? BigInt(this.n)) + bigOf(v as Int32 | Long);
  }

  result(): Num {
    if (this.kind === DECIMAL) return toDecimal128(this.dec!, this.exp);
    if (this.kind === DOUBLE) return new Double(this.n);
    return integral(this.big ?? this.n, this.kind);
  }

  /** the sum as a decimal (for $avg), or undefined when no Decimal128 was added */
  decimal(): { d: Dec; e: number } | undefined {
    return this.kind === DECIMAL ? { d: this.dec!, e: this.exp } : undefined;
  }

  /** the mean: Double, or Decimal128 when a Decimal128 was added; null without numbers */
  mean(): Num | null {
    if (this.count === 0) return null;
    if (this.kind === DECIMAL) return toDecimal128(this.dec!.div(this.count), this.exp);
    return new Double(this.kind === DOUBLE ? this.n / this.count : Number(this.big ?? this.n) / this.count);
  }
}

/** Standard deviation (population, or sample with `sampled`) as a Double; null when undefined. */
export function stdDev(values: Num[], sampled: boolean): Double | null {
  const xs = values.map(numberOf);
  if (xs.length === 0 || (sampled && xs.length < 2)) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sq = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return new Double(Math.sqrt(sq / (xs.length - (sampled ? 1 : 0))));
}
