// Pipeline-style updates ([{$set: ...}, ...]): run with mingo on the view of the document, then
// mapped back to exact values, keeping the original exact value wherever the view is unchanged.
import { Aggregator } from 'mingo/aggregator';
import { MONGO_CONTEXT } from './mingo-context.ts';
import { EngineError } from '../errors.ts';
import { Double, Int32, Long, cloneValue, isNumeric, isPlainObject, numberOf, toView, type Document } from './values.ts';
import { badValue, forMingo, identical } from './update-ops.ts';

export const immutableId = (path: string) =>
  new EngineError(66, 'ImmutableField', `Performing an update on the path '${path}' would modify the immutable field '_id'`);

export function idFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (!Object.hasOwn(doc, '_id') || keys[0] === '_id') return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}

const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** $$NOW as the update's own clock, so every document of one update sees the same time. */
function withNow(v: unknown, now: Date): unknown {
  if (v === '$$NOW') return { $literal: now };
  if (Array.isArray(v)) return v.map((x) => withNow(x, now));
  if (isPlainObject(v)) {
    const out: Document = {};
    for (const k in v) out[k] = withNow(v[k], now);
    return out;
  }
  return v;
}

/** A number computed by the pipeline, typed as the relaxed JSON parser would type it. */
function typedNumber(n: number): unknown {
  if (Number.isInteger(n) && !Object.is(n, -0)) {
    if (n >= -2147483648 && n <= 2147483647) return new Int32(n);
    if (Number.isSafeInteger(n)) return Long.fromNumber(n);
  }
  return new Double(n);
}

// Maps a pipeline result (view) back to exact values: whatever still equals the original keeps
// the original's exact value and type.
function fromView(v: unknown, orig: unknown): unknown {
  if (typeof v === 'number') {
    if (isNumeric(orig) && Object.is(numberOf(orig), v)) return orig;
    return typedNumber(v);
  }
  if (Array.isArray(v)) return v.map((x, i) => fromView(x, Array.isArray(orig) ? orig[i] : undefined));
  if (isPlainObject(v)) {
    const out: Document = {};
    for (const k in v) out[k] = fromView(v[k], isPlainObject(orig) ? orig[k] : undefined);
    return out;
  }
  return v;
}

export function applyPipeline(doc: Document, stages: Document[], now: Date): Document {
  for (const stage of stages) {
    const keys = isPlainObject(stage) ? Object.keys(stage) : [];
    if (keys.length !== 1) throw badValue('A pipeline stage specification object must contain exactly one field.');
    if (!PIPELINE_STAGES.has(keys[0]!)) throw badValue(`${keys[0]} is not allowed to be used within an update`);
  }
  let result: unknown;
  try {
    const pipeline = forMingo(withNow(stages, now)) as Document[];
    result = new Aggregator(pipeline, { context: MONGO_CONTEXT, scriptEnabled: false }).run([toView(cloneValue(doc)) as Document])[0];
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw badValue((err as Error).message);
  }
  if (!isPlainObject(result)) throw badValue('The update pipeline did not produce a document');
  const out = fromView(result, cloneValue(doc)) as Document;
  if (Object.hasOwn(doc, '_id')) {
    // As a replacement without _id, a pipeline that drops _id keeps the original one.
    if (!Object.hasOwn(out, '_id')) return { _id: cloneValue(doc._id), ...out };
    if (!identical(doc._id, out._id)) throw immutableId('_id');
  }
  return idFirst(out);
}
