// BSON numeric types through embedded aggregations. mingo computes on the numeric view (every
// number a JS number), so its comparisons, sorts and group keys stay as they are; the arithmetic
// operators and accumulators are replaced by ones that evaluate their operands in the exact model
// (the Int32, Int64, Double or Decimal128 each input value has) and compute with MongoDB's type
// rules (aggregate-numbers.ts). They hand mingo the JS number and keep the typed result; the
// stages that build documents from them ($group, $project, $addFields, $set) record, for each
// output document, an exact twin holding those typed values, which the worker uses to type the
// results (aggregate-worker.ts: retype).
//
// Where the exact twin of a value comes from: `origins` maps every view object built from an
// exact one (input documents, the pipeline's own specifications) and every twin recorded here.
import { evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import type { Options } from 'mingo/types';
import { resolve } from 'mingo/util';
import { Decimal128, Double, Int32, Long, compareValues, isPlainObject, numberOf, type Document } from '../values.ts';
import { NUMERIC_TARGETS, convertNumber } from './aggregate-convert.ts';
import { Sum, arith, asNum, divide, fromNumber, mod, roundTo, stdDev, unary, type Num } from './aggregate-numbers.ts';

type Expression = (obj: unknown, expr: unknown, options: Options) => unknown;
/** a typed operator: the view document (or documents, as an accumulator), its argument in the view and exact */
type Typed = (obj: unknown, arg: unknown, exact: unknown, options: Options) => unknown;

let origins = new WeakMap<object, unknown>();
/** the typed result of the latest evaluation of each operator argument (objects by identity, others by operator and value) */
const latest = new Map<unknown, unknown>();

/** A new run of the worker: the map of exact twins it fills. */
export function beginRun(): WeakMap<object, unknown> {
  origins = new WeakMap();
  latest.clear();
  return origins;
}

/** The end of a run: nothing of it stays reachable. */
export function endRun(): void {
  origins = new WeakMap();
  latest.clear();
}

const memoKey = (op: string, arg: unknown) => (arg !== null && typeof arg === 'object' ? arg : `${op}\u0000${String(arg)}`);

const nullish = (v: unknown) => v === null || v === undefined;

/** The view of a typed value for mingo: numbers as JS numbers. */
export function numberView(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.some((x) => asNum(x) !== undefined) ? v.map(numberView) : v;
  return asNum(v) !== undefined ? numberOf(v) : v;
}

/** A view value typed by its exact hint where they agree (same number), else by the value rule. */
function align(view: unknown, hint: unknown): unknown {
  if (typeof view === 'number') {
    const h = typeof hint === 'number' ? undefined : asNum(hint);
    return h !== undefined && (numberOf(h) === view || (Number.isNaN(view) && Number.isNaN(numberOf(h)))) ? h : fromNumber(view);
  }
  if (Array.isArray(view)) return view.map((x, i) => align(x, Array.isArray(hint) ? hint[i] : undefined));
  return view;
}

/** The typed value of a field path of a view document. */
function atPath(obj: unknown, path: string): unknown {
  const v = valueAt(obj, path);
  if (typeof v !== 'number' && !Array.isArray(v)) return v;
  const twin = obj !== null && typeof obj === 'object' ? origins.get(obj) : undefined;
  return align(v, twin === undefined ? undefined : valueAt(twin, path));
}

/** mingo's resolve, with a shortcut for a top-level field */
function valueAt(obj: unknown, path: string): unknown {
  if (path.includes('.') || !isPlainObject(obj)) return resolve(obj as Document, path);
  return Object.hasOwn(obj, path) ? obj[path] : undefined;
}

const rootOf = (options: Options) => (options as { local?: { root?: unknown } }).local?.root;

/** An expression evaluated in the exact model: typed operators directly, field paths from the exact documents, the rest by mingo. */
export function evalTyped(obj: unknown, expr: unknown, exact: unknown, options: Options): unknown {
  if (typeof expr === 'string' && expr.startsWith('$')) {
    if (!expr.startsWith('$$')) return atPath(obj, expr.slice(1));
    const m = /^\$\$(ROOT|CURRENT)(?:\.(.+))?$/.exec(expr);
    if (m) {
      const base = m[1] === 'ROOT' ? (rootOf(options) ?? obj) : obj;
      return m[2] === undefined ? base : atPath(base, m[2]);
    }
  } else if (typeof expr === 'number') {
    return align(expr, exact);
  } else if (isPlainObject(expr)) {
    const keys = Object.keys(expr);
    if (keys.length === 1) {
      const op = keys[0]!;
      const twin = origins.get(expr) as Document | undefined;
      if (op === '$literal') return align(expr.$literal, twin?.$literal);
      const fn = TYPED[op];
      if (fn) return fn(obj, expr[op], twin?.[op] ?? expr[op], options);
    }
    if (keys.length > 0 && !keys.some((k) => k.startsWith('$'))) {
      const twin = origins.get(expr) as Document | undefined;
      const out: Document = {};
      for (const k of keys) {
        const v = evalTyped(obj, expr[k], twin?.[k], options);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
  }
  return align(evalExpr(obj as Document, expr, options), undefined);
}

const exactArg = (arg: unknown) => (arg !== null && typeof arg === 'object' ? (origins.get(arg) ?? arg) : arg);

function typeName(v: unknown): string {
  if (v instanceof Date) return 'date';
  if (Array.isArray(v)) return 'array';
  if (isPlainObject(v)) return 'object';
  return typeof v;
}

/** The operands of an operator taking a list. */
function operands(op: string, obj: unknown, arg: unknown, exact: unknown, options: Options, count?: number): unknown[] {
  const list = Array.isArray(arg) ? arg : [arg];
  if (count !== undefined && list.length !== count) throw new Error(`Expression ${op} takes exactly ${count} arguments. ${list.length} were passed in.`);
  const ex = Array.isArray(arg) ? (Array.isArray(exact) ? exact : []) : [exact];
  return list.map((x, i) => evalTyped(obj, x, ex[i], options));
}

function numeric(op: string, v: unknown): Num {
  const n = asNum(v);
  if (n === undefined) throw new Error(`${op} only supports numeric types, not ${typeName(v)}`);
  return n;
}

const $add: Typed = (obj, arg, exact, options) => {
  const vals = operands('$add', obj, arg, exact, options);
  let date: Date | undefined;
  let sum: Num | undefined;
  for (const v of vals) {
    if (nullish(v)) return null;
    if (v instanceof Date) {
      if (date) throw new Error('only one date allowed in an $add expression');
      date = v;
      continue;
    }
    const n = asNum(v);
    if (n === undefined) throw new Error(`$add only supports numeric or date types, not ${typeName(v)}`);
    sum = sum === undefined ? n : arith('+', sum, n);
  }
  sum ??= fromNumber(0);
  return date ? new Date(date.getTime() + Math.round(numberOf(sum))) : sum;
};

const $subtract: Typed = (obj, arg, exact, options) => {
  const [a, b] = operands('$subtract', obj, arg, exact, options, 2);
  if (nullish(a) || nullish(b)) return null;
  if (a instanceof Date && b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
  if (a instanceof Date && asNum(b)) return new Date(a.getTime() - Math.round(numberOf(b)));
  const x = asNum(a);
  const y = asNum(b);
  if (!x || !y) throw new Error(`can't $subtract ${typeName(b)} from ${typeName(a)}`);
  return arith('-', x, y);
};

const $multiply: Typed = (obj, arg, exact, options) => {
  let product: Num | undefined;
  for (const v of operands('$multiply', obj, arg, exact, options)) {
    if (nullish(v)) return null;
    const n = numeric('$multiply', v);
    product = product === undefined ? n : arith('*', product, n);
  }
  return product ?? fromNumber(1);
};

function binary(op: string, f: (a: Num, b: Num) => Num): Typed {
  return (obj, arg, exact, options) => {
    const [a, b] = operands(op, obj, arg, exact, options, 2);
    if (nullish(a) || nullish(b)) return null;
    return f(numeric(op, a), numeric(op, b));
  };
}

function single(op: string, f: (n: Num) => Num): Typed {
  return (obj, arg, exact, options) => {
    const [v] = operands(op, obj, arg, exact, options, 1);
    return nullish(v) ? null : f(numeric(op, v));
  };
}

function rounding(op: string, half: boolean): Typed {
  return (obj, arg, exact, options) => {
    const list = Array.isArray(arg) ? arg : [arg];
    if (list.length < 1 || list.length > 2) throw new Error(`Expression ${op} takes at least 1 argument, and at most 2`);
    const [v, p] = operands(op, obj, list, Array.isArray(arg) ? exact : [exact], options);
    if (nullish(v) || (list.length === 2 && nullish(p))) return null;
    const place = p === undefined ? 0 : numberOf(numeric(op, p));
    if (!Number.isInteger(place) || place < -20 || place > 100) throw new Error(`${op} requires "place" argument to be an integer between -20 and 100`);
    return roundTo(numeric(op, v), place, half);
  };
}

function conversion(op: string, kind: number, to: string): Typed {
  return (obj, arg, exact, options) => convertNumber(operands(op, obj, arg, exact, options, 1)[0], kind, to);
}

const $convert: Typed = (obj, arg, exact, options) => {
  const to = isPlainObject(arg) && Object.hasOwn(arg, 'to') ? evalExpr(obj as Document, arg.to, options) : undefined;
  const kind = typeof to === 'string' || typeof to === 'number' ? NUMERIC_TARGETS[String(to)] : undefined;
  if (!isPlainObject(arg) || kind === undefined) return align((expressionOperators.$convert as Expression)(obj, arg, options), undefined);
  const ex = isPlainObject(exact) ? exact : {};
  const input = evalTyped(obj, arg.input, ex.input, options);
  if (nullish(input)) return Object.hasOwn(arg, 'onNull') ? evalTyped(obj, arg.onNull, ex.onNull, options) : null;
  try {
    return convertNumber(input, kind, String(to));
  } catch (e) {
    if (Object.hasOwn(arg, 'onError')) return evalTyped(obj, arg.onError, ex.onError, options);
    throw e;
  }
};

/**
 * Options whose $$ROOT is each document of a group in turn, as mingo's own accumulators evaluate
 * (its ComputeOptions class is not exported: the instance's own constructor makes the copy).
 */
function perDocument(options: Options): (doc: unknown) => Options {
  const C = options.constructor as { init?: (o: Options) => Options & { update(locals: object): Options } };
  if (typeof C.init !== 'function') return () => options;
  const copts = C.init(options);
  return (root) => copts.update({ root });
}

/** An accumulator's argument evaluated on each document of a group. */
function eachDocument(docs: unknown[], arg: unknown, exact: unknown, options: Options): unknown[] {
  if (typeof arg === 'string' && arg.startsWith('$') && !arg.startsWith('$$')) {
    const path = arg.slice(1);
    return docs.map((doc) => atPath(doc, path));
  }
  const at = perDocument(options);
  return docs.map((doc) => evalTyped(doc, arg, exact, at(doc)));
}

// conditionals: the condition is mingo's, the value chosen keeps its type
const truthy = (v: unknown) => !!v || v === '';

const $cond: Typed = (obj, arg, exact, options) => {
  const [c, yes, no] = Array.isArray(arg) ? arg : isPlainObject(arg) ? [arg.if, arg.then, arg.else] : [];
  if (!Array.isArray(arg) && !(isPlainObject(arg) && Object.hasOwn(arg, 'if') && Object.hasOwn(arg, 'then') && Object.hasOwn(arg, 'else'))) {
    throw new Error("$cond needs 'if', 'then' and 'else'");
  }
  if (Array.isArray(arg) && arg.length !== 3) throw new Error(`Expression $cond takes exactly 3 arguments. ${arg.length} were passed in.`);
  const ex = (Array.isArray(exact) ? exact : isPlainObject(exact) ? [exact.if, exact.then, exact.else] : []) as unknown[];
  return truthy(evalExpr(obj as Document, c, options)) ? evalTyped(obj, yes, ex[1], options) : evalTyped(obj, no, ex[2], options);
};

const $ifNull: Typed = (obj, arg, exact, options) => {
  if (!Array.isArray(arg) || arg.length < 2) throw new Error('$ifNull needs at least two arguments');
  const ex = Array.isArray(exact) ? exact : [];
  for (let k = 0; k < arg.length - 1; k++) {
    const v = evalTyped(obj, arg[k], ex[k], options);
    if (!nullish(v)) return v;
  }
  return evalTyped(obj, arg[arg.length - 1], ex[arg.length - 1], options) ?? null;
};

const $switch: Typed = (obj, arg, exact, options) => {
  if (!isPlainObject(arg) || !Array.isArray(arg.branches)) throw new Error('$switch requires at least one branch.');
  const ex = isPlainObject(exact) && Array.isArray(exact.branches) ? exact.branches : [];
  for (const [k, b] of arg.branches.entries()) {
    if (!isPlainObject(b) || !Object.hasOwn(b, 'case') || !Object.hasOwn(b, 'then')) throw new Error("$switch requires each branch have a 'case' and a 'then' expression");
    if (truthy(evalExpr(obj as Document, b.case, options))) return evalTyped(obj, b.then, isPlainObject(ex[k]) ? ex[k].then : undefined, options);
  }
  if (!Object.hasOwn(arg, 'default')) throw new Error('$switch could not find a matching branch for an input, and no default was specified.');
  return evalTyped(obj, arg.default, isPlainObject(exact) ? exact.default : undefined, options);
};

/** The values an accumulator sees: one per document in $group, else the operand list (an array operand spread). */
function inputs(obj: unknown, arg: unknown, exact: unknown, options: Options): unknown[] {
  if (Array.isArray(obj)) return eachDocument(obj, arg, exact, options);
  if (Array.isArray(arg)) return operands('', obj, arg, exact, options);
  const v = evalTyped(obj, arg, exact, options);
  return Array.isArray(v) ? v : [v];
}

function summed(values: unknown[]): Sum {
  const s = new Sum();
  for (const v of values) {
    const n = asNum(v);
    if (n !== undefined) s.add(n);
  }
  return s;
}

/** The least or greatest value in BSON order, null and missing ignored. */
function extreme(values: unknown[], sign: number): unknown {
  let best: unknown = null;
  for (const v of values) if (!nullish(v) && (best === null || Math.sign(compareValues(v, best)) === sign)) best = v;
  return best;
}

function firstOrLast(op: '$first' | '$last'): Typed {
  return (obj, arg, exact, options) => {
    if (!Array.isArray(obj)) return align((expressionOperators[op] as Expression)(obj, arg, options), undefined);
    if (obj.length === 0) return null;
    return eachDocument([obj[op === '$first' ? 0 : obj.length - 1]], arg, exact, options)[0] ?? null;
  };
}

const $push: Typed = (obj, arg, exact, options) => {
  if (Array.isArray(obj)) return eachDocument(obj, arg, exact, options).map((v) => v ?? null);
  return align((accumulatorOperators.$push as Expression)(evalExpr(obj as Document, arg, options), null, options), undefined);
};

const TYPED: Record<string, Typed> = {
  $add, $subtract, $multiply,
  $divide: binary('$divide', divide),
  $mod: binary('$mod', mod),
  $abs: single('$abs', (n) => unary('abs', n)),
  $ceil: single('$ceil', (n) => unary('ceil', n)),
  $floor: single('$floor', (n) => unary('floor', n)),
  $round: rounding('$round', true),
  $trunc: rounding('$trunc', false),
  $toInt: conversion('$toInt', 0, 'int'),
  $toLong: conversion('$toLong', 1, 'long'),
  $toDouble: conversion('$toDouble', 2, 'double'),
  $toDecimal: conversion('$toDecimal', 3, 'decimal'),
  $convert,
  $sum: (obj, arg, exact, options) => {
    // a count ($sum: 1) over a group: the literal times the number of documents
    if (Array.isArray(obj) && typeof arg === 'number') return arith('*', align(arg, exact) as Num, fromNumber(obj.length));
    return summed(inputs(obj, arg, exact, options)).result();
  },
  $avg: (obj, arg, exact, options) => summed(inputs(obj, arg, exact, options)).mean(),
  $min: (obj, arg, exact, options) => extreme(inputs(obj, arg, exact, options), -1),
  $max: (obj, arg, exact, options) => extreme(inputs(obj, arg, exact, options), 1),
  $stdDevPop: (obj, arg, exact, options) => stdDev(inputs(obj, arg, exact, options).map(asNum).filter((n) => n !== undefined), false),
  $stdDevSamp: (obj, arg, exact, options) => stdDev(inputs(obj, arg, exact, options).map(asNum).filter((n) => n !== undefined), true),
  $first: firstOrLast('$first'),
  $last: firstOrLast('$last'),
  $push,
  $cond, $ifNull, $switch,
};

/** The typed operators as mingo expression operators: mingo gets the view of the result, `latest` keeps the typed one. */
export const TYPED_EXPRESSIONS: Record<string, Expression> = Object.fromEntries(Object.entries(TYPED).map(([op, fn]) => [op, (obj: unknown, arg: unknown, options: Options) => {
  const typed = fn(obj, arg, exactArg(arg), options);
  latest.set(memoKey(op, arg), typed);
  return numberView(typed);
}]));

/** The typed value of a field specification just evaluated by mingo for the current document, or undefined when it has none. */
function typedField(doc: unknown, spec: unknown): unknown {
  if (typeof spec === 'string' && spec.startsWith('$') && !spec.startsWith('$$')) return atPath(doc, spec.slice(1));
  if (!isPlainObject(spec)) return undefined;
  const keys = Object.keys(spec);
  if (keys.length !== 1) return undefined;
  const op = keys[0]!;
  if (op === '$literal') return align(spec.$literal, (origins.get(spec) as Document | undefined)?.$literal);
  if (!TYPED[op]) return undefined;
  return latest.get(memoKey(op, spec[op]));
}

/**
 * Whether the twin must hold `t` for the field whose view is `view`: a number whose type its value
 * alone would not give (an integral Double, a Long in Int32's range, a Decimal128), or an object or
 * array that is not already known as the view of an exact one.
 */
function informative(t: unknown, view: unknown): boolean {
  if (t === undefined || t === view) return false;
  if (t instanceof Double) return Number.isInteger(t.value) || Object.is(t.value, -0);
  if (t instanceof Decimal128) return true;
  if (t instanceof Long) return t.lessThanOrEqual(INT32_MAX) && t.greaterThanOrEqual(INT32_MIN);
  if (t === null || typeof t !== 'object' || t instanceof Int32) return false;
  if (Array.isArray(t)) return t.some((x, i) => informative(x, Array.isArray(view) ? view[i] : undefined));
  return view !== null && typeof view === 'object' && !origins.has(view);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Records the exact twin of `out`, a document a stage built from `doc` by `spec`: the typed value
 * of each field computed by a typed operator or copied by a field path, else the input's own
 * exact value of the field. The twin holds only what the values alone would not tell (see
 * informative); the worker types the other fields by their value or its own hint.
 * `literals`: whether a number in the specification is a value ($addFields) rather than an inclusion flag ($project).
 */
export function recordTwin(out: unknown, doc: unknown, spec: Document, literals: boolean): void {
  if (!isPlainObject(out)) return;
  const docTwin = doc !== null && typeof doc === 'object' ? (origins.get(doc) as Document | undefined) : undefined;
  let twin: Document | undefined;
  for (const k in out) {
    let t: unknown;
    if (Object.hasOwn(spec, k)) {
      t = literals && typeof spec[k] === 'number' ? align(spec[k], (origins.get(spec) as Document | undefined)?.[k]) : typedField(doc, spec[k]);
    }
    if (t === undefined && docTwin) t = docTwin[k];
    if (informative(t, out[k])) (twin ??= {})[k] = t;
  }
  if (twin) origins.set(out, twin);
}

/** the field under which $group computes the typed value of its _id: the first document's, by a hidden $first */
const GROUP_KEY = '\u0000_id';

/** A $group specification that also computes the typed value of its _id, when that is an expression. */
export function typedGroupSpec(spec: Document): Document {
  const id = spec._id;
  const expression = (typeof id === 'string' && id.startsWith('$')) || (isPlainObject(id) && Object.keys(id).length > 0);
  return expression ? { ...spec, [GROUP_KEY]: { $first: id } } : spec;
}

/** Records the exact twin of a $group output (specification from typedGroupSpec): its typed _id and accumulator results. */
export function recordGroupTwin(out: unknown, spec: Document): void {
  if (!isPlainObject(out)) return;
  let twin: Document | undefined;
  for (const k in out) {
    if (k === GROUP_KEY) continue;
    const t = typedField(undefined, spec[k === '_id' ? GROUP_KEY : k]);
    if (informative(t, out[k])) (twin ??= {})[k] = t;
  }
  delete out[GROUP_KEY];
  if (twin) origins.set(out, twin);
}
