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
// - aggregation comparisons ($eq … $cmp in expressions, so also $expr) compare across types in
//   BSON order, with a missing value below null, where mingo's bracket by type.
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

function matchesIn(a: unknown, list: unknown[], depth: number): boolean {
  for (const x of list) {
    if (x instanceof RegExp) {
      const values = Array.isArray(a) ? flatten(a, depth) : [a];
      if (values.some((v) => typeof v === 'string' && testRegex(x, v))) return true;
    } else if (equals(a, x, depth)) {
      return true;
    }
  }
  return false;
}

function testRegex(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
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
  return (o) => matchesIn(resolve(o, selector, UNWRAP), value, depth);
};
const $nin: QueryOperator = (selector, value, options) => {
  if (!Array.isArray(value)) throw new Error('$nin needs an array');
  const inn = $in(selector, value, options);
  return (o) => !inn(o);
};

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

export const MONGO_CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: { ...expressionOperators, ...expressionComparisons },
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: { ...queryOperators, $eq, $ne, $in, $nin, $mod, $type },
  window: windowOperators,
} as unknown as Parameters<typeof Context.init>[0]);

/** A mingo Query with MongoDB's semantics (scripts disabled). */
export class Query extends MingoQuery {
  constructor(condition: Record<string, unknown>) {
    super(condition, { context: MONGO_CONTEXT, scriptEnabled: false });
  }
}
