// MongoDB's rules for what an update writes, shared by the engines' callers: the element the
// positional `$` names, and the document an upsert starts from.
import { compileFilter } from './embedded/query.ts';
import type { Filter } from './types.ts';
import { applyUpdate } from './update.ts';
import { BSONRegExp, isPlainObject, toView, type Document } from './values.ts';

/**
 * The positional `$` operator's position: the first element of the array at `arrayPath` that
 * satisfies the filter's conditions on that array (MongoDB's rule), or undefined.
 */
export function positionalIndex(filter: Filter, doc: Document, arrayPath: string[]): number | undefined {
  let arr: unknown = doc;
  for (const seg of arrayPath) arr = isPlainObject(arr) ? arr[seg] : undefined;
  if (!Array.isArray(arr)) return undefined;
  const prefix = arrayPath.join('.');
  const conds: Filter[] = [];
  const collect = (f: Filter) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((c) => isPlainObject(c) && collect(c));
      else if (k === prefix || k.startsWith(`${prefix}.`)) conds.push({ [k]: v });
    }
  };
  collect(filter);
  if (conds.length === 0) return undefined;
  const matcher = compileFilter(conds.length === 1 ? conds[0] : { $and: conds });
  for (let i = 0; i < arr.length; i++) {
    // the document with this one element in place of the array
    const probe: Document = {};
    let at = probe;
    arrayPath.forEach((seg, n) => {
      at[seg] = n === arrayPath.length - 1 ? [arr[i]] : {};
      at = at[seg] as Document;
    });
    if (matcher(toView(probe) as Document)) return i;
  }
  return undefined;
}

/** Equality fields of a filter: the seed of an upserted document (MongoDB's rule). */
export function upsertSeed(filter: Filter): Document {
  const seed: Document = {};
  const visit = (f: Filter) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((c) => isPlainObject(c) && visit(c));
      else if (k.startsWith('$')) continue;
      else if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if (Object.hasOwn(v, '$eq')) seed[k] = v.$eq;
      } else if (!(v instanceof RegExp || v instanceof BSONRegExp)) seed[k] = v;
    }
  };
  visit(filter);
  return applyUpdate({}, { $set: seed }, { isUpsertInsert: true, now: new Date() });
}
