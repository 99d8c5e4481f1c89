// Pipeline stages where mingo differs from MongoDB, replaced for embedded aggregations:
// - $group, $project, $addFields, $set: mingo's, recording the exact twin of each document they
//   build, so that the numbers the typed operators computed keep their BSON type (aggregate-typed.ts);
// - $project: mingo orders the output's fields alphabetically (and _id last); MongoDB keeps _id
//   first, then the input document's order, then new fields in the order of the specification;
// - $bucket: mingo puts a value equal to a boundary in the bucket below it and lists empty
//   buckets; here it is MongoDB's own definition, a $group on a $switch of the boundaries then a
//   $sort on _id.
import { Context } from 'mingo/core';
import { Lazy, type Iterator } from 'mingo/lazy';
import type { Options } from 'mingo/types';
import * as pipelineOperators from 'mingo/operators/pipeline';
import { MONGO_CONTEXT } from '../mingo-context.ts';
import { MISSING_EXPRESSIONS } from './aggregate-expressions.ts';
import { TYPED_EXPRESSIONS, recordGroupTwin, recordTwin, typedGroupSpec } from './aggregate-typed.ts';
import { isPlainObject, type Document } from '../values.ts';

type Stage = (coll: Iterator, expr: unknown, options: Options) => Iterator;
const mingo = pipelineOperators as unknown as Record<string, Stage>;

/** `out`'s fields in MongoDB's order: _id, those of `input` in its order, then the others by `spec`. */
function ordered(out: Document, input: unknown, spec: string[]): Document {
  const res: Document = {};
  if (Object.hasOwn(out, '_id')) res._id = out._id;
  if (isPlainObject(input)) {
    for (const k of Object.keys(input)) {
      if (k === '_id' || !Object.hasOwn(out, k)) continue;
      const v = out[k];
      const sub = spec.filter((s) => s.startsWith(`${k}.`)).map((s) => s.slice(k.length + 1));
      res[k] = isPlainObject(v) && isPlainObject(input[k]) ? ordered(v, input[k], sub) : v;
    }
  }
  const rest = Object.keys(out).filter((k) => !Object.hasOwn(res, k));
  const rank = (k: string) => {
    const i = spec.findIndex((s) => s === k || s.startsWith(`${k}.`));
    return i < 0 ? spec.length : i;
  };
  for (const k of rest.sort((a, b) => rank(a) - rank(b))) res[k] = out[k];
  return res;
}

const $project: Stage = (coll, expr, options) => {
  const spec = isPlainObject(expr) ? Object.keys(expr) : [];
  return coll.map((doc: unknown) => {
    const out = ordered(mingo.$project!(Lazy([doc]), expr, options).next().value as Document, doc, spec);
    if (isPlainObject(expr)) recordTwin(out, doc, expr, false);
    return out;
  });
};

function addingFields(stage: Stage): Stage {
  return (coll, expr, options) => coll.map((doc: unknown) => {
    const out = stage(Lazy([doc]), expr, options).next().value;
    if (isPlainObject(expr)) recordTwin(out, doc, expr, true);
    return out;
  });
}

const $group: Stage = (coll, expr, options) => {
  if (!isPlainObject(expr)) return mingo.$group!(coll, expr, options);
  const spec = typedGroupSpec(expr);
  return mingo.$group!(coll, spec, options).map((out: unknown) => {
    recordGroupTwin(out, spec);
    return out;
  });
};

const $bucket: Stage = (coll, expr, options) => {
  if (!isPlainObject(expr)) throw new Error('$bucket only supports an object as its argument');
  const { groupBy, boundaries, output } = expr;
  if (groupBy === undefined || !Array.isArray(boundaries)) throw new Error("$bucket requires 'groupBy' and 'boundaries' to be specified");
  if (boundaries.length < 2) throw new Error("The $bucket 'boundaries' field must have at least 2 values");
  const branches = boundaries.slice(0, -1).map((b, i) => ({
    case: { $and: [{ $gte: [groupBy, { $literal: b }] }, { $lt: [groupBy, { $literal: boundaries[i + 1] }] }] },
    then: { $literal: b },
  }));
  const id = { $switch: { branches, ...(Object.hasOwn(expr, 'default') ? { default: { $literal: expr.default } } : {}) } };
  const accumulators = isPlainObject(output) ? output : { count: { $sum: 1 } };
  return mingo.$sort!($group(coll, { _id: id, ...accumulators }, options), { _id: 1 }, options);
};

// the context of embedded aggregations: these stages, the expressions mingo lacks, the typed
// arithmetic, then MONGO_CONTEXT
// (Context.from keeps the first definition of an operator)
export const AGGREGATE_CONTEXT = Context.from(Context.init({
  pipeline: { $project, $bucket, $group, $addFields: addingFields(mingo.$addFields!), $set: addingFields(mingo.$set!) },
  expression: { ...MISSING_EXPRESSIONS, ...TYPED_EXPRESSIONS },
} as never), MONGO_CONTEXT);
