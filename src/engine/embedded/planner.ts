// The embedded engine's query planner. A plan only chooses where candidate documents come from;
// every candidate is then checked against the full filter, so an index can narrow the work but
// never change a result (the planner must only produce a superset of the matches).
import { BAD_VALUE, EngineError } from '../../errors.ts';
import type { Filter, FindOptions, Sort } from '../types.ts';
import { BSONRegExp, Binary, Double, Int32, MaxKey, MinKey, ObjectId, isNumeric, isPlainObject, numberOf, type Document } from '../values.ts';
import type { IndexDef } from './indexes.ts';
import { component, encodeValue, idKey, prefixEnd } from './keys.ts';
import { pinnedIds } from './query.ts';

export type Range = [Buffer, Buffer];

export type Plan =
  | { kind: 'ids'; keys: Buffer[] }
  | { kind: 'bounds'; index: IndexDef; ranges: Range[]; covered: boolean; /** one point per value: equality or $in */ points: boolean }
  | { kind: 'indexOrder'; index: IndexDef; dir: 1 | -1 }
  | { kind: 'table'; dir: 1 | -1 };

/** Values an index can look up exactly: no null (it also means missing), no regex, arrays, documents. */
function indexable(v: unknown): boolean {
  if (v === null || v === undefined || v instanceof RegExp || v instanceof BSONRegExp || Array.isArray(v) || isPlainObject(v)) return false;
  return !(v instanceof MinKey || v instanceof MaxKey || v instanceof Binary);
}

function rangeable(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || isNumeric(v) || v instanceof Date || v instanceof ObjectId;
}

const BOUND_OPS = new Set(['$eq', '$in', '$gt', '$gte', '$lt', '$lte']);

interface Bounds {
  ranges: Range[];
  /** one point per value (equality or $in), preferred over a range */
  points: boolean;
  /** every value's key identifies it exactly (so a point match is a filter match) */
  exact: boolean;
}

/** Values whose index key identifies them exactly (keys.ts approximates Long and Decimal128). */
function exactKey(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || v instanceof ObjectId || v instanceof Date
    || (typeof v === 'number' || v instanceof Int32 || v instanceof Double) && Number.isFinite(numberOf(v));
}

/** Ranges of the first key component implied by one field condition, or undefined. */
function rangesFor(cond: unknown, dir: 1 | -1): Bounds | undefined {
  const eq = (v: unknown): Range => {
    const p = component(v, dir);
    return [p, prefixEnd(p)];
  };
  const points = (values: unknown[]) => (values.every(indexable) ? { ranges: values.map(eq), points: true, exact: values.every(exactKey) } : undefined);
  if (!isPlainObject(cond) || !Object.keys(cond).some((k) => k.startsWith('$'))) return points([cond]);
  const ops = Object.keys(cond);
  if (!ops.every((o) => BOUND_OPS.has(o))) return undefined;
  if ('$eq' in cond) return points([cond.$eq]);
  if ('$in' in cond) return Array.isArray(cond.$in) ? points(cond.$in) : undefined;
  if (dir !== 1) return undefined;
  const lowV = cond.$gt ?? cond.$gte;
  const highV = cond.$lt ?? cond.$lte;
  const sample = lowV ?? highV;
  if (!rangeable(sample) || (lowV !== undefined && !rangeable(lowV)) || (highV !== undefined && !rangeable(highV))) return undefined;
  // MongoDB brackets comparisons by type: $gt 5 only matches numbers
  const type = encodeValue(sample)[0]!;
  if ((lowV !== undefined && encodeValue(lowV)[0] !== type) || (highV !== undefined && encodeValue(highV)[0] !== type)) return undefined;
  const lo = lowV === undefined ? Buffer.from([type]) : '$gt' in cond ? prefixEnd(encodeValue(lowV)) : encodeValue(lowV);
  // Both bounds are not intersected: on an array field MongoDB lets different elements satisfy
  // $gt and $lt ({k: [1, 10]} matches {$gt: 5, $lt: 8}); the filter still checks both.
  const hi = highV === undefined || lowV !== undefined ? Buffer.from([type + 1])
    : '$lte' in cond ? prefixEnd(encodeValue(highV)) : encodeValue(highV);
  return { ranges: [[lo, hi]], points: false, exact: false };
}

/** field → conditions on it, from the top level of the filter and its top-level $and. */
function conditions(filter: Filter, out = new Map<string, unknown[]>()): Map<string, unknown[]> {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) v.forEach((c) => isPlainObject(c) && conditions(c, out));
    else if (!k.startsWith('$')) (out.get(k) ?? out.set(k, []).get(k)!).push(v);
  }
  return out;
}

function sameKey(a: Document, b: Document): boolean {
  const ka = Object.entries(a);
  const kb = Object.entries(b);
  return ka.length === kb.length && ka.every(([f, d], i) => kb[i]![0] === f && numberOf(kb[i]![1]) === numberOf(d));
}

function hinted(hint: FindOptions['hint'], indexes: IndexDef[]): IndexDef | 'natural' | undefined {
  if (hint === undefined) return undefined;
  if (isPlainObject(hint) && hint.$natural !== undefined) return 'natural';
  const found = typeof hint === 'string'
    ? indexes.find((d) => d.name === hint)
    : indexes.find((d) => sameKey(d.spec.key, hint));
  if (typeof hint === 'string' && hint === '_id_') return 'natural';
  if (isPlainObject(hint) && sameKey(hint, { _id: 1 })) return 'natural';
  if (!found) throw new EngineError(BAD_VALUE, 'BadValue', 'hint provided does not correspond to an existing index');
  // a text, geospatial or hashed index has no entries here: the collection's order stands in
  return found.special ? 'natural' : found;
}

/** The index whose leading fields and directions give this sort order (or its reverse). */
function sortIndex(sort: Sort, indexes: IndexDef[]): { index: IndexDef; dir: 1 | -1 } | undefined {
  for (const d of indexes) {
    if (d.special || d.sparse || d.partial || d.fields.length < sort.length) continue;
    const same = sort.every(([f, s], i) => d.fields[i]!.field === f && d.fields[i]!.dir === s);
    const reversed = sort.every(([f, s], i) => d.fields[i]!.field === f && d.fields[i]!.dir === -s);
    if (same || reversed) return { index: d, dir: same ? 1 : -1 };
  }
  return undefined;
}

export function plan(filter: Filter, opts: FindOptions, indexes: IndexDef[], idSortDir: 1 | -1 | undefined): Plan {
  const hint = hinted(opts.hint, indexes);
  if (hint === 'natural') {
    const n = isPlainObject(opts.hint) && numberOf(opts.hint.$natural) === -1 ? -1 : 1;
    return { kind: 'table', dir: opts.sort?.length === 0 ? n : idSortDir ?? n };
  }
  // a hint with an empty sort returns documents in the hinted index's order, whatever the filter
  if (hint && opts.sort?.length === 0) return { kind: 'indexOrder', index: hint, dir: 1 };
  const ids = hint ? undefined : pinnedIds(filter);
  if (ids) return { kind: 'ids', keys: ids.map(idKey) };
  const conds = conditions(filter);
  const candidates = hint ? [hint] : indexes.filter((d) => !d.partial && !d.special);
  let best: { index: IndexDef; bounds: Bounds } | undefined;
  for (const d of candidates) {
    const first = d.fields[0]!;
    for (const c of conds.get(first.field) ?? []) {
      const bounds = rangesFor(c, first.dir);
      if (bounds && (!best || (bounds.points && !best.bounds.points))) best = { index: d, bounds };
    }
  }
  if (best) {
    // the index answers the whole filter when it is one equality/$in on the index's field
    const field = best.index.fields[0]!.field;
    const covered = best.bounds.points && best.bounds.exact && conds.size === 1 && conds.get(field)!.length === 1
      && Object.keys(filter).length === 1 && Object.hasOwn(filter, field);
    return { kind: 'bounds', index: best.index, ranges: best.bounds.ranges, covered, points: best.bounds.points };
  }
  if (hint) return { kind: 'indexOrder', index: hint, dir: 1 };
  if (opts.sort && idSortDir === undefined) {
    const s = sortIndex(opts.sort, indexes);
    if (s) return { kind: 'indexOrder', ...s };
  }
  return { kind: 'table', dir: idSortDir ?? 1 };
}
