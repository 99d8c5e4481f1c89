// Expression operators MongoDB has and mingo lacks, for embedded aggregations: $toObjectId,
// $indexOfCP, $binarySize, $bsonSize. Still missing (an aggregation using one fails, naming it):
// $meta (no text search), $toUUID, $tsSecond and $tsIncrement (the numeric view cannot tell a
// timestamp from a number), $function/$accumulator/$where (no JavaScript).
import { calculateObjectSize } from 'bson';
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { Binary, ObjectId, fromView, isPlainObject, type Document } from '../values.ts';

type Expression = (obj: Document, expr: unknown, options: Options) => unknown;

const nullish = (v: unknown) => v === null || v === undefined;

/** The single argument of an operator written as `{$op: x}` or `{$op: [x]}`. */
function one(op: string, obj: Document, expr: unknown, options: Options): unknown {
  const args = Array.isArray(expr) ? expr : [expr];
  if (args.length !== 1) throw new Error(`Expression ${op} takes exactly 1 arguments. ${args.length} were passed in.`);
  return evalExpr(obj, args[0], options);
}

const $toObjectId: Expression = (obj, expr, options) => {
  const v = one('$toObjectId', obj, expr, options);
  if (nullish(v)) return null;
  if (v instanceof ObjectId) return v;
  if (typeof v === 'string' && /^[0-9a-fA-F]{24}$/.test(v)) return new ObjectId(v);
  throw new Error(`Failed to parse objectId '${String(v)}' in $convert with no onError value`);
};

const $indexOfCP: Expression = (obj, expr, options) => {
  if (!Array.isArray(expr) || expr.length < 2 || expr.length > 4) throw new Error('Expression $indexOfCP takes at least 2 arguments, and at most 4');
  const [s, sub, start, end] = evalExpr(obj, expr, options) as unknown[];
  if (nullish(s)) return null;
  if (typeof s !== 'string') throw new Error('$indexOfCP requires a string as the first argument');
  if (typeof sub !== 'string') throw new Error('$indexOfCP requires a string as the second argument');
  const cps = Array.from(s);
  const from = start === undefined ? 0 : Number(start);
  const to = end === undefined ? cps.length : Math.min(Number(end), cps.length);
  if (!Number.isInteger(from) || from < 0 || !Number.isInteger(to) || to < 0) throw new Error('$indexOfCP: the starting and ending indexes must be non-negative integers');
  const needle = Array.from(sub);
  for (let i = from; i + needle.length <= to; i++) {
    if (needle.every((c, j) => cps[i + j] === c)) return i;
  }
  return -1;
};

const $binarySize: Expression = (obj, expr, options) => {
  const v = one('$binarySize', obj, expr, options);
  if (nullish(v)) return null;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (v instanceof Binary) return v.length();
  if (v instanceof Uint8Array) return v.length;
  throw new Error('$binarySize requires a string or BinData argument');
};

const $bsonSize: Expression = (obj, expr, options) => {
  const v = one('$bsonSize', obj, expr, options);
  if (nullish(v)) return null;
  if (!isPlainObject(v)) throw new Error('$bsonSize requires a document input');
  return calculateObjectSize(fromView(v) as Document);
};

export const MISSING_EXPRESSIONS = { $toObjectId, $indexOfCP, $binarySize, $bsonSize };
