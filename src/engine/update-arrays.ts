// Array update operators: $push (with $each/$position/$sort/$slice), $addToSet, $pop, $pull,
// $pullAll. Each works on the target array in place (it belongs to the update's own copy).
import {
  BSONRegExp, cloneValue, compareValues, isNumeric, isPlainObject, numberOf, toView, valuesEqual,
} from './values.ts';
import {
  KEEP, badValue, failedToParse, fmtElem, fmtValue, idText, makeQuery, typeMismatch, typeName,
  type Leaf,
} from './update-ops.ts';

/** An integral number (any numeric type), as MatchExpressionParser::parseIntegerElementToLong. */
function integerOf(v: unknown): number | null {
  if (!isNumeric(v)) return null;
  const n = numberOf(v);
  return Number.isInteger(n) ? n : null;
}

type SortSpec = { whole: number } | { fields: Array<[string[], number]> };

function parseSort(s: unknown): SortSpec {
  const dirError = 'The $sort element value must be either 1 or -1';
  if (isNumeric(s)) {
    const d = numberOf(s);
    if (d !== 1 && d !== -1) throw badValue(dirError);
    return { whole: d };
  }
  if (!isPlainObject(s)) {
    throw badValue('The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields');
  }
  const keys = Object.keys(s);
  if (keys.length === 0) throw badValue('The $sort pattern is empty when it should be a set of fields.');
  const fields: Array<[string[], number]> = [];
  for (const k of keys) {
    const d = isNumeric(s[k]) ? numberOf(s[k]) : 0;
    if (d !== 1 && d !== -1) throw badValue(dirError);
    if (k === '') throw badValue('The $sort field cannot be empty');
    const segs = k.split('.');
    if (segs.some((p) => p === '')) throw badValue(`The $sort field is a dotted field but has an empty part: ${k}`);
    fields.push([segs, d]);
  }
  return { fields };
}

// A sort key path missing from an element sorts as null; non-documents have no fields.
function sortKey(el: unknown, segs: string[]): unknown {
  let v: unknown = el;
  for (const s of segs) {
    if (isPlainObject(v) && Object.hasOwn(v, s)) v = v[s];
    else if (Array.isArray(v) && /^\d+$/.test(s) && Number(s) < v.length) v = v[Number(s)];
    else return null;
  }
  return v;
}

function sorter(spec: SortSpec): (a: unknown, b: unknown) => number {
  if ('whole' in spec) return (a, b) => compareValues(a, b) * spec.whole;
  return (a, b) => {
    for (const [segs, dir] of spec.fields) {
      const c = compareValues(sortKey(a, segs), sortKey(b, segs));
      if (c !== 0) return c * dir;
    }
    return 0;
  };
}

export function pushLeaf(arg: unknown): Leaf {
  let values: unknown[] = [arg];
  let slice: number | undefined;
  let sort: ((a: unknown, b: unknown) => number) | undefined;
  let position: number | undefined;
  // Only an object holding $each is a modifier form; anything else is pushed as a value.
  if (isPlainObject(arg) && Object.hasOwn(arg, '$each')) {
    for (const k of Object.keys(arg)) {
      if (k !== '$each' && k !== '$slice' && k !== '$sort' && k !== '$position') {
        throw badValue(`Unrecognized clause in $push: ${k}`);
      }
    }
    if (!Array.isArray(arg.$each)) {
      throw badValue(`The argument to $each in $push must be an array but it was of type: ${typeName(arg.$each)}`);
    }
    values = arg.$each;
    if (Object.hasOwn(arg, '$slice')) {
      const n = integerOf(arg.$slice);
      if (n === null) throw badValue(`The value for $slice must be an integer value but was given type: ${typeName(arg.$slice)}`);
      slice = n;
    }
    if (Object.hasOwn(arg, '$sort')) sort = sorter(parseSort(arg.$sort));
    if (Object.hasOwn(arg, '$position')) {
      const n = integerOf(arg.$position);
      if (n === null) throw badValue(`The value for $position must be an integer value, not of type: ${typeName(arg.$position)}`);
      position = n;
    }
  }

  // Order of effects as in MongoDB: insert at $position, then $sort, then $slice.
  const run = (arr: unknown[]): unknown[] => {
    const items = values.map(cloneValue);
    const n = arr.length;
    const p = position ?? n;
    if (p >= n) arr.push(...items);
    else if (p >= 0) arr.splice(p, 0, ...items);
    else arr.splice(Math.max(0, n + p), 0, ...items);
    if (sort) arr.sort(sort);
    if (slice !== undefined) {
      const keep = Math.abs(slice);
      if (arr.length > keep) {
        if (slice >= 0) arr.length = keep;
        else arr.splice(0, arr.length - keep);
      }
    }
    return arr;
  };

  return {
    creates: true,
    update(cur, at) {
      if (!Array.isArray(cur)) {
        throw badValue(`The field '${at.path}' must be an array but is of type ${typeName(cur)} in document {${idText(at)}}`);
      }
      return run(cur);
    },
    create: () => run([]),
  };
}

export function addToSetLeaf(arg: unknown): Leaf {
  let values: unknown[] = [arg];
  // Unlike $push, $each counts only as the first field.
  if (isPlainObject(arg) && Object.keys(arg)[0] === '$each') {
    if (!Array.isArray(arg.$each)) {
      throw typeMismatch(`The argument to $each in $addToSet must be an array but it was of type ${typeName(arg.$each)}`);
    }
    if (Object.keys(arg).length > 1) throw badValue(`Found unexpected fields after $each in $addToSet: ${fmtValue(arg)}`);
    values = arg.$each;
  }
  const unique: unknown[] = [];
  for (const v of values) if (!unique.some((u) => valuesEqual(u, v))) unique.push(v);

  return {
    creates: true,
    update(cur, at) {
      if (!Array.isArray(cur)) {
        throw badValue(`Cannot apply $addToSet to non-array field. Field named '${at.field}' has non-array type ${typeName(cur)}`);
      }
      const add = unique.filter((v) => !cur.some((e) => valuesEqual(e, v)));
      if (add.length === 0) return KEEP;
      for (const v of add) cur.push(cloneValue(v));
      return cur;
    },
    create: () => unique.map(cloneValue),
  };
}

export function popLeaf(path: string, arg: unknown): Leaf {
  const n = integerOf(arg);
  if (n === null) throw failedToParse(`Expected a number in: ${fmtElem(path, arg)}`);
  if (n !== 1 && n !== -1) throw failedToParse(`$pop expects 1 or -1, found: ${n}`);
  return {
    creates: false,
    update(cur, at) {
      if (!Array.isArray(cur)) {
        throw typeMismatch(`Path '${at.path}' contains an element of non-array type '${typeName(cur)}'`);
      }
      if (cur.length === 0) return KEEP;
      if (n < 0) cur.shift();
      else cur.pop();
      return cur;
    },
    create: () => undefined,
  };
}

function cullLeaf(match: (el: unknown) => boolean): Leaf {
  return {
    creates: false,
    update(cur) {
      if (!Array.isArray(cur)) throw badValue('Cannot apply $pull to a non-array value');
      const kept = cur.filter((e) => !match(e));
      return kept.length === cur.length ? KEEP : kept;
    },
    create: () => undefined,
  };
}

// Query operators that apply to a value (MatchExpressionParser::parsePathAcceptingKeyword).
const VALUE_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$type', '$size', '$all',
  '$elemMatch', '$mod', '$regex', '$options', '$not', '$bitsAllSet', '$bitsAllClear',
  '$bitsAnySet', '$bitsAnyClear', '$geoWithin', '$geoIntersects', '$near', '$nearSphere',
  '$within', '$maxDistance', '$minDistance',
]);

export function pullLeaf(arg: unknown): Leaf {
  // As MongoDB's PullNode: a document whose first key is a field (or a logical operator) is a
  // query on document elements; a value-operator document or a regex matches each element as a
  // value; anything else is an equality match.
  if (isPlainObject(arg) && !VALUE_OPERATORS.has(Object.keys(arg)[0] ?? '')) {
    const q = makeQuery(arg);
    return cullLeaf((el) => isPlainObject(el) && q.test(toView(el) as Record<string, unknown>));
  }
  if (isPlainObject(arg) || arg instanceof RegExp || arg instanceof BSONRegExp) {
    const q = makeQuery({ v: arg });
    return cullLeaf((el) => q.test({ v: toView(el) }));
  }
  return cullLeaf((el) => valuesEqual(el, arg));
}

export function pullAllLeaf(arg: unknown): Leaf {
  if (!Array.isArray(arg)) throw badValue(`$pullAll requires an array argument but was given a ${typeName(arg)}`);
  return cullLeaf((el) => arg.some((v) => valuesEqual(el, v)));
}
