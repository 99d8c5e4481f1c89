// Filters and sorts for the embedded engine. mingo evaluates filters on the numeric view of a
// document (values.ts); sorting uses MongoDB's own rules (compareValues, array min/max).
import { Query, withExact } from '../mingo-context.ts';
import { BAD_VALUE, EngineError } from '../../errors.ts';
import type { Filter, FindOptions, Sort } from '../types.ts';
import { BSONRegExp, MinKey, compareValues, isPlainObject, toView, type Document } from '../values.ts';

/** Tests a document's numeric view; `exact` gives the document itself where types matter ($type). */
export type Matcher = (view: Document, exact?: () => Document) => boolean;

const matchAll: Matcher = () => true;

// Operators MongoDB accepts in queries; mingo knows more (and fewer), so unknown ones are
// rejected here with MongoDB's message instead of mingo's.
const QUERY_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$and', '$or', '$nor', '$not',
  '$exists', '$type', '$mod', '$regex', '$options', '$all', '$elemMatch', '$size', '$expr',
  '$jsonSchema', '$text', '$where', '$comment', '$bitsAllSet', '$bitsAnySet', '$bitsAllClear',
  '$bitsAnyClear', '$geoWithin', '$geoIntersects', '$near', '$nearSphere',
]);

// MongoDB answers these with a text or geospatial index; the embedded engine has neither
const NOT_SERVED = new Set(['$text', '$geoWithin', '$geoIntersects', '$near', '$nearSphere']);

function checkOperators(v: unknown, depth = 0): void {
  if (depth > 100) throw new EngineError(BAD_VALUE, 'BadValue', 'filter nested too deeply');
  if (Array.isArray(v)) {
    for (const x of v) checkOperators(x, depth + 1);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const k of Object.keys(v)) {
    if (k.startsWith('$') && !QUERY_OPERATORS.has(k)) {
      throw new EngineError(BAD_VALUE, 'BadValue', `unknown operator: ${k}`);
    }
    if (NOT_SERVED.has(k)) {
      throw new EngineError(BAD_VALUE, 'BadValue', `the ${k} query operator is not supported by the embedded engine (text and geospatial queries need the MongoDB engine)`);
    }
    if (k !== '$expr') checkOperators(v[k], depth + 1);
  }
}

export function compileFilter(filter: Filter | undefined): Matcher {
  if (!filter || Object.keys(filter).length === 0) return matchAll;
  checkOperators(filter);
  let q: Query;
  try {
    q = new Query(toView(filter) as Document);
  } catch (e) {
    throw new EngineError(BAD_VALUE, 'BadValue', (e as Error).message);
  }
  return (view, exact) => {
    try {
      return exact ? withExact(view, exact, () => q.test(view)) : q.test(view);
    } catch (e) {
      throw new EngineError(BAD_VALUE, 'BadValue', (e as Error).message);
    }
  };
}

/**
 * The _id values a filter restricts to, when it pins _id by equality or $in, so that the engine
 * can read those keys instead of scanning. Returns undefined when the filter does not.
 */
export function pinnedIds(filter: Filter | undefined): unknown[] | undefined {
  if (!filter || !Object.hasOwn(filter, '_id')) {
    const and = filter?.$and;
    if (Array.isArray(and)) {
      for (const clause of and) {
        const ids = isPlainObject(clause) ? pinnedIds(clause) : undefined;
        if (ids) return ids;
      }
    }
    return undefined;
  }
  const v = filter._id;
  if (!isPlainObject(v)) return v instanceof RegExp || v instanceof BSONRegExp ? undefined : [v];
  const keys = Object.keys(v);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) return [v];
  if (keys.length === 1 && keys[0] === '$eq') return [v.$eq];
  if (keys.length === 1 && keys[0] === '$in' && Array.isArray(v.$in) && !v.$in.some((x) => x instanceof RegExp || x instanceof BSONRegExp)) return v.$in;
  return undefined;
}

/** An empty array's sort key: below null and missing, above MinKey (MongoDB sorts it as undefined). */
const EMPTY_ARRAY = Symbol('empty array');

function compareKeys(a: unknown, b: unknown): number {
  if (a === EMPTY_ARRAY || b === EMPTY_ARRAY) {
    if (a === b) return 0;
    const sign = a === EMPTY_ARRAY ? -1 : 1;
    return (a === EMPTY_ARRAY ? b : a) instanceof MinKey ? -sign : sign;
  }
  return compareValues(a, b);
}

/** The value MongoDB sorts a document by for one path: arrays contribute their min or max. */
function sortKey(doc: unknown, path: string[], i: number, dir: 1 | -1): unknown {
  if (i === path.length) {
    if (!Array.isArray(doc)) return doc;
    if (doc.length === 0) return EMPTY_ARRAY;
    return pick(doc, dir);
  }
  if (Array.isArray(doc)) {
    const idx = /^\d+$/.test(path[i]!) ? Number(path[i]) : -1;
    if (idx >= 0 && idx < doc.length) return sortKey(doc[idx], path, i + 1, dir);
    const found = doc.map((el) => sortKey(el, path, i, dir)).filter((x) => x !== undefined);
    return found.length ? pick(found, dir) : undefined;
  }
  if (!isPlainObject(doc)) return undefined;
  return sortKey(doc[path[i]!], path, i + 1, dir);
}

function pick(values: unknown[], dir: 1 | -1): unknown {
  let best = values[0];
  for (const v of values) {
    const c = compareKeys(v, best);
    if (dir === 1 ? c < 0 : c > 0) best = v;
  }
  return best;
}

export function compileSort(sort: Sort): (a: Document, b: Document) => number {
  const specs = sort.map(([field, dir]) => ({ path: field.split('.'), dir }));
  return (a, b) => {
    for (const { path, dir } of specs) {
      const c = compareKeys(sortKey(a, path, 0, dir), sortKey(b, path, 0, dir));
      if (c !== 0) return dir * c;
    }
    return 0;
  };
}

/** A find's limit; none (0, negative or absent) is Infinity. */
export const limitOf = (opts: FindOptions): number => (opts.limit && opts.limit > 0 ? opts.limit : Infinity);

/** True when the sort is by _id alone, which the primary key order already provides. */
export function idOnlySort(sort: Sort | undefined): 1 | -1 | undefined {
  if (!sort || sort.length === 0) return 1;
  if (sort.length === 1 && sort[0]![0] === '_id') return sort[0]![1];
  return undefined;
}
