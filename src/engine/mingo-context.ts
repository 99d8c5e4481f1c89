// mingo with MongoDB's semantics where mingo's own differ, for every query the engine evaluates
// (filters, update conditions, projections, aggregation). mingo's defaults are replaced, not
// extended: a Context built here is the only one these queries see.
//
// Overridden:
// - equality ($eq, $ne, $in, $nin and implicit equality) is BSON equality (values.ts): embedded
//   documents compare field by field in order, as in MongoDB, where mingo ignores key order;
// - $type knows every BSON type, including the numeric ones (int, long, double, decimal) that
//   the numeric view has erased: at the top level of a filter it reads the exact document;
// - $mod matches numbers only (mingo's JS `%` also matched null, strings, booleans);
// - $gte and $lte match NaN only when asked for NaN (mingo's compare made NaN equal to any number);
// - aggregation comparisons ($eq … $cmp in expressions, so also $expr) compare across types in
//   BSON order, with a missing value below null, where mingo's bracket by type;
// - every regular expression ($regex, regexes in $in/$nin/$all, $regexMatch/$regexFind/
//   $regexFindAll) runs on the linear-time matcher of regex.ts, never on V8's backtracking engine,
//   and `{$regex, $options}` is checked (400) and given MongoDB's x option before mingo sees it.
import { Query as MingoQuery } from 'mingo/query';
import { Context, evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { resolve } from 'mingo/util';
import { safeRegex, safeRegexOf, type SafeRegex } from './regex.ts';
import {
  Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, compareValues,
  isNumeric, isPlainObject, numberOf, valuesEqual, type Document,
} from './values.ts';

type Predicate = (obj: Document) => boolean;
type QueryOperator = (selector: string, value: unknown, options: Options) => Predicate;

const UNWRAP = { unwrapArray: true };

function depthOf(selector: string): number {
  let n = 0;
  for (const ch of selector) if (ch === '.') n++;
  return n;
}

function flatten(a: unknown[], depth: number): unknown[] {
  const out: unknown[] = [];
  const walk = (xs: unknown[], d: number) => {
    for (const x of xs) {
      if (Array.isArray(x) && d > 0) walk(x, d - 1);
      else out.push(x);
    }
  };
  walk(a, depth);
  return out;
}

/** MongoDB equality of a resolved field value with a query value (arrays match by element too). */
function equals(a: unknown, b: unknown, depth: number): boolean {
  if (a === undefined) return b === null;
  if (valuesEqual(a, b)) return true;
  if (!Array.isArray(a)) return false;
  const same = (v: unknown) => v !== undefined && valuesEqual(v, b);
  return a.some(same) || flatten(a, depth).some(same);
}

/** Whether a resolved field value is, or has as an element, a string one of the regexes matches. */
function matchesRegex(a: unknown, regexes: SafeRegex[], depth: number): boolean {
  const values = Array.isArray(a) ? flatten(a, depth) : [a];
  return values.some((v) => typeof v === 'string' && regexes.some((re) => re.test(v)));
}

const $eq: QueryOperator = (selector, value) => {
  const depth = depthOf(selector);
  return (o) => equals(resolve(o, selector, UNWRAP), value, depth);
};
const $ne: QueryOperator = (selector, value, options) => {
  const eq = $eq(selector, value, options);
  return (o) => !eq(o);
};
const $in: QueryOperator = (selector, value) => {
  if (!Array.isArray(value)) throw new Error('$in needs an array');
  const depth = depthOf(selector);
  const regexes = value.filter((x) => x instanceof RegExp).map((x) => safeRegexOf(x)!);
  const others = value.filter((x) => !(x instanceof RegExp));
  return (o) => {
    const a = resolve(o, selector, UNWRAP);
    return others.some((x) => equals(a, x, depth)) || (regexes.length > 0 && matchesRegex(a, regexes, depth));
  };
};
const $nin: QueryOperator = (selector, value, options) => {
  if (!Array.isArray(value)) throw new Error('$nin needs an array');
  const inn = $in(selector, value, options);
  return (o) => !inn(o);
};

/**
 * $gt, $gte, $lt, $lte with MongoDB's NaN: NaN compares only with NaN, and then only as equal.
 * mingo's comparison answers 0 for NaN against any number, so $gte/$lte matched every NaN.
 */
function numericOrder(op: '$gt' | '$gte' | '$lt' | '$lte'): QueryOperator {
  const mingoOp = queryOperators[op] as unknown as QueryOperator;
  const inclusive = op === '$gte' || op === '$lte';
  const holds = op === '$gt' ? (x: number, v: number) => x > v : op === '$gte' ? (x: number, v: number) => x >= v
    : op === '$lt' ? (x: number, v: number) => x < v : (x: number, v: number) => x <= v;
  return (selector, value, options) => {
    if (typeof value === 'number' && Number.isNaN(value)) return inclusive ? $eq(selector, value, options) : () => false;
    const test = mingoOp(selector, value, options);
    if (typeof value !== 'number' || !inclusive) return test;
    const depth = depthOf(selector);
    // only a NaN among the values can have made mingo's answer wrong: then the numbers decide (a
    // number is compared with numbers only)
    return (o) => {
      if (!test(o)) return false;
      const a = resolve(o, selector, UNWRAP);
      const values = Array.isArray(a) ? flatten(a, depth) : [a];
      if (!values.some((x) => typeof x === 'number' && Number.isNaN(x))) return true;
      return values.some((x) => typeof x === 'number' && holds(x, value));
    };
  };
}

// A stored regex matches a regex query with the same pattern and options, as in MongoDB.
const $regex: QueryOperator = (selector, value) => {
  const re = safeRegexOf(value);
  if (!re) throw new Error('$regex has to be a string');
  const depth = depthOf(selector);
  const same = (v: unknown) => v instanceof RegExp && v.source === re.view.source && v.flags === re.view.flags;
  return (o) => {
    const a = resolve(o, selector, UNWRAP);
    return matchesRegex(a, [re], depth) || (Array.isArray(a) ? flatten(a, depth).some(same) : same(a));
  };
};

/** A RegExp whose test and exec are the safe matcher's, for mingo's own $all. */
class SafeRegExp extends RegExp {
  readonly #safe: SafeRegex;
  constructor(re: RegExp) {
    super(re.source, re.flags);
    this.#safe = safeRegexOf(re)!;
  }
  override test(s: string): boolean {
    return this.#safe.test(s);
  }
  override exec(s: string): RegExpExecArray | null {
    return this.#safe.exec(s);
  }
}

const $all: QueryOperator = (selector, value, options) =>
  queryOperators.$all(selector, Array.isArray(value) ? value.map((x) => (x instanceof RegExp ? new SafeRegExp(x) : x)) : value, options);

/** `{$regex, $options}` as one checked RegExp: mingo would run `new RegExp($regex, $options)`, which knows no x. */
function regexOperand(pattern: unknown, options: unknown): RegExp {
  if (options !== undefined && typeof options !== 'string') throw new Error('$options has to be a string');
  if (typeof pattern === 'string') return safeRegex(pattern, options ?? '').view;
  if (!(pattern instanceof RegExp)) throw new Error('$regex has to be a string');
  if (options !== undefined && /[ims]/.test(pattern.flags)) throw new Error('options set in both $regex and $options');
  return safeRegexOf(pattern, options)!.view;
}

/** The filter with every `{$regex, $options}` operand made one RegExp; $expr holds expressions, left alone. */
function withRegexOperands(v: unknown): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((x, k) => {
      const c = withRegexOperands(x);
      if (c !== x) (out ??= v.slice())[k] = c;
    });
    return out ?? v;
  }
  if (!isPlainObject(v)) return v;
  let out: Document | undefined;
  if (Object.hasOwn(v, '$regex')) {
    const { $regex: pattern, $options: options, ...rest } = v;
    out = { ...rest, $regex: regexOperand(pattern, options) };
  }
  for (const k in v) {
    if (k === '$expr' || k === '$regex' || k === '$options') continue;
    const c = withRegexOperands(v[k]);
    if (c !== v[k]) (out ??= { ...v })[k] = c;
  }
  return out ?? v;
}

const $mod: QueryOperator = (selector, value) => {
  if (!Array.isArray(value) || value.length !== 2) throw new Error('malformed mod, needs to be an array of [divisor, remainder]');
  const divisor = Math.trunc(numberOf(value[0]));
  const remainder = Math.trunc(numberOf(value[1]));
  if (!Number.isFinite(divisor) || !Number.isFinite(remainder)) throw new Error('malformed mod, divisor and remainder must be numbers');
  if (divisor === 0) throw new Error('divisor cannot be 0');
  const test = (x: unknown) => (typeof x === 'number' || isNumeric(x)) && Number.isFinite(numberOf(x)) && Math.trunc(numberOf(x)) % divisor === remainder;
  return (o) => {
    const a = resolve(o, selector, UNWRAP);
    return Array.isArray(a) ? flatten(a, depthOf(selector)).some(test) : test(a);
  };
};

// ---- $type --------------------------------------------------------------------------------

const TYPE_ALIASES: Record<string, number> = {
  double: 1, string: 2, object: 3, array: 4, binData: 5, undefined: 6, objectId: 7, bool: 8, date: 9, null: 10,
  regex: 11, dbPointer: 12, javascript: 13, symbol: 14, javascriptWithScope: 15, int: 16, timestamp: 17, long: 18,
  decimal: 19, minKey: -1, maxKey: 127,
};

/** The BSON type number of a value; JS numbers (numeric view only) count as double or int. */
function bsonType(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (v === null) return 10;
  switch (typeof v) {
    case 'string': return 2;
    case 'boolean': return 8;
    case 'number': return Number.isInteger(v) && Math.abs(v) <= 2147483647 ? 16 : 1;
  }
  if (Array.isArray(v)) return 4;
  if (v instanceof Int32) return 16;
  if (v instanceof Double) return 1;
  if (v instanceof Long) return 18;
  if (v instanceof Decimal128) return 19;
  if (v instanceof ObjectId) return 7;
  if (v instanceof Date) return 9;
  if (v instanceof Binary || v instanceof Uint8Array) return 5;
  if (v instanceof RegExp || v instanceof BSONRegExp) return 11;
  if (v instanceof Timestamp) return 17;
  if (v instanceof Code) return 13;
  if (v instanceof MinKey) return -1;
  if (v instanceof MaxKey) return 127;
  return isPlainObject(v) ? 3 : undefined;
}

function typeMatcher(spec: unknown): (v: unknown) => boolean {
  if (spec === 'number') return (v) => typeof v === 'number' || isNumeric(v);
  const n = typeof spec === 'string' ? TYPE_ALIASES[spec] : isNumeric(spec) ? numberOf(spec) : undefined;
  if (n === undefined || !Number.isInteger(n)) throw new Error(`unknown type name alias: ${String(spec)}`);
  return (v) => bsonType(v) === n;
}

/**
 * The exact document behind the view a top-level filter is testing, set by the matcher around
 * each test (synchronous, so never seen by another test).
 */
let current: { view: Document; exact: () => Document } | undefined;

export function withExact<T>(view: Document, exact: () => Document, run: () => T): T {
  const saved = current;
  current = { view, exact };
  try {
    return run();
  } finally {
    current = saved;
  }
}

const $type: QueryOperator = (selector, value) => {
  const tests = (Array.isArray(value) ? value : [value]).map(typeMatcher);
  const depth = depthOf(selector);
  const matches = (v: unknown) => tests.some((t) => t(v));
  return (o) => {
    const root = current && current.view === o ? current.exact() : o;
    const a = resolve(root, selector, UNWRAP);
    if (a === undefined) return false;
    if (matches(a)) return true;
    return Array.isArray(a) && flatten(a, depth).some((v) => v !== undefined && matches(v));
  };
};

// ---- aggregation comparisons ---------------------------------------------------------------

/** BSON order, with a missing value (undefined) below null, as aggregation compares. */
function exprCompare(a: unknown, b: unknown): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return compareValues(a, b);
}

type ExpressionOperator = (obj: Document, expr: unknown, options: Options) => unknown;

function comparison(name: string, test: (c: number) => boolean | number): ExpressionOperator {
  return (obj, expr, options) => {
    if (!Array.isArray(expr) || expr.length !== 2) throw new Error(`Expression ${name} takes exactly 2 arguments.`);
    const [a, b] = evalExpr(obj, expr, options) as [unknown, unknown];
    return test(exprCompare(a, b));
  };
}

const expressionComparisons: Record<string, ExpressionOperator> = {
  $eq: comparison('$eq', (c) => c === 0),
  $ne: comparison('$ne', (c) => c !== 0),
  $gt: comparison('$gt', (c) => c > 0),
  $gte: comparison('$gte', (c) => c >= 0),
  $lt: comparison('$lt', (c) => c < 0),
  $lte: comparison('$lte', (c) => c <= 0),
  $cmp: comparison('$cmp', (c) => Math.sign(c)),
};

// ---- regular expressions in expressions ---------------------------------------------------

const nullish = (v: unknown) => v === null || v === undefined;

/** The checked arguments of $regexMatch/$regexFind/$regexFindAll (MongoDB's rules), or null when nullish. */
function regexArguments(op: string, obj: Document, expr: unknown, options: Options): { re: SafeRegex; input: string } | null {
  if (!isPlainObject(expr)) throw new Error(`${op} expects an object of named arguments`);
  for (const k in expr) if (k !== 'input' && k !== 'regex' && k !== 'options') throw new Error(`${op} found an unknown argument: ${k}`);
  if (!Object.hasOwn(expr, 'input')) throw new Error(`${op} requires 'input' parameter`);
  if (!Object.hasOwn(expr, 'regex')) throw new Error(`${op} requires 'regex' parameter`);
  const input = evalExpr(obj, expr.input, options);
  const regex = evalExpr(obj, expr.regex, options);
  const flags = Object.hasOwn(expr, 'options') ? evalExpr(obj, expr.options, options) : null;
  if (!nullish(regex) && typeof regex !== 'string' && !(regex instanceof RegExp)) throw new Error(`${op} needs 'regex' to be of type string or regex`);
  if (!nullish(flags) && typeof flags !== 'string') throw new Error(`${op} needs 'options' to be of type string`);
  if (regex instanceof RegExp && !nullish(flags) && /[ims]/.test(regex.flags)) {
    throw new Error(`${op}: found regex option(s) specified in both 'regex' and 'option' fields`);
  }
  let re: SafeRegex | undefined;
  try {
    if (typeof regex === 'string') re = safeRegex(regex, (flags as string | null) ?? '');
    else if (regex instanceof RegExp) re = safeRegexOf(regex, (flags as string | null) ?? undefined);
  } catch (e) {
    throw new Error(`${op}: ${(e as Error).message}`);
  }
  if (!nullish(input) && typeof input !== 'string') throw new Error(`${op} needs 'input' to be of type string`);
  return re && typeof input === 'string' ? { re, input } : null;
}

const regexExpressions: Record<string, ExpressionOperator> = {
  $regexMatch: (obj, expr, options) => {
    const a = regexArguments('$regexMatch', obj, expr, options);
    return a ? a.re.test(a.input) : false;
  },
  $regexFind: (obj, expr, options) => {
    const a = regexArguments('$regexFind', obj, expr, options);
    return a ? (a.re.matches(a.input, false)[0] ?? null) : null;
  },
  $regexFindAll: (obj, expr, options) => {
    const a = regexArguments('$regexFindAll', obj, expr, options);
    return a ? a.re.matches(a.input, true) : [];
  },
  // mingo checks the date against a RegExp built from the format, whose separators it barely escapes
  $dateFromString: (obj, expr, options) => {
    const format = isPlainObject(expr) && expr.format !== undefined ? evalExpr(obj, expr.format, options) : undefined;
    if (typeof format === 'string' && /[()[\]{}|+*?\\]/.test(format.replace(/%./g, ''))) {
      throw new Error(`$dateFromString: format '${format}' is not supported: its separators may not contain ( ) [ ] { } | + * ? \\`);
    }
    return (expressionOperators.$dateFromString as ExpressionOperator)(obj, expr, options);
  },
};

export const MONGO_CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: { ...expressionOperators, ...expressionComparisons, ...regexExpressions },
  pipeline: {
    ...pipelineOperators,
    $match: (coll: unknown, expr: unknown, options: Options) => (pipelineOperators.$match as (...a: unknown[]) => unknown)(coll, withRegexOperands(expr), options),
  },
  projection: projectionOperators,
  query: {
    ...queryOperators, $eq, $ne, $in, $nin, $mod, $type, $regex, $all,
    $gt: numericOrder('$gt'), $gte: numericOrder('$gte'), $lt: numericOrder('$lt'), $lte: numericOrder('$lte'),
  },
  window: windowOperators,
} as unknown as Parameters<typeof Context.init>[0]);

/** A mingo Query with MongoDB's semantics (scripts disabled). */
export class Query extends MingoQuery {
  constructor(condition: Record<string, unknown>) {
    super(withRegexOperands(condition) as Record<string, unknown>, { context: MONGO_CONTEXT, scriptEnabled: false });
  }
}
