// Applies MongoDB update documents (and, via update-pipeline.ts, update pipelines) to a document in the exact value model.
//
// Like MongoDB's update tree, every operator path is parsed first (argument checks, conflicts),
// then the paths are applied in field-name order (numeric names in numeric order, MongoDB 5.0+),
// so new fields are appended in that order while existing fields keep their place.
import { EngineError } from '../errors.ts';
import { cloneValue, compareStrings, isPlainObject, toView, type Document } from './values.ts';
import {
  KEEP, UNSET, arithLeaf, badValue, bitLeaf, compareLeaf, currentDateLeaf, failedToParse,
  fmtElem, fmtValue, identical, makeQuery, noopLeaf, pathNotViable, setLeaf, typeName,
  unsetLeaf, type Leaf, type Target,
} from './update-ops.ts';
import { addToSetLeaf, popLeaf, pullAllLeaf, pullLeaf, pushLeaf } from './update-arrays.ts';
import { applyPipeline, idFirst, immutableId } from './update-pipeline.ts';

export interface ApplyUpdateOptions {
  isUpsertInsert: boolean;
  now: Date;
  arrayFilters?: Document[];
  /**
   * The position the query matched in the array at this path (the positional `$` operator), or
   * undefined when the query did not match inside that array.
   */
  positional?: (arrayPath: string[]) => number | undefined;
}

/** An update document is an operator update when its first key is an operator. */
export function isOperatorUpdate(u: Document): boolean {
  const first = Object.keys(u)[0];
  return first !== undefined && first.startsWith('$');
}

/** Returns the updated copy of doc; doc itself is never modified. */
export function applyUpdate(doc: Document, update: Document | Document[], opts: ApplyUpdateOptions): Document {
  if (Array.isArray(update)) return applyPipeline(doc, update, opts.now);
  if (!isPlainObject(update)) throw failedToParse('Update argument must be either an object or an array');
  const filters = parseArrayFilters(opts.arrayFilters ?? []);
  const entries = parseOperators(update, filters, opts);
  for (const e of entries) {
    const at = e.segs.indexOf('$');
    if (at < 0) continue;
    const index = opts.positional?.(e.segs.slice(0, at));
    if (index === undefined) throw badValue('The positional operator did not find the match needed from the query.');
    e.segs = [...e.segs.slice(0, at), String(index), ...e.segs.slice(at + 1)];
  }
  const out = cloneValue(doc);
  const hasId = Object.hasOwn(doc, '_id');
  const ctx: Ctx = { root: out, filters, hasId, id: doc._id, claims: [], matches: new WeakMap() };
  for (const e of entries.filter((x) => x.leaf).sort((a, b) => comparePaths(a.segs, b.segs))) {
    if (e.from) applyRename(ctx, e);
    else walk(ctx, e, out, 0, []);
  }
  if (ctx.hasId && (!Object.hasOwn(out, '_id') || !identical(doc._id, out._id))) {
    const e = entries.find((x) => x.leaf && (x.segs[0] === '_id' || x.from?.[0] === '_id'));
    const path = e ? (e.from?.[0] === '_id' ? e.from : e.segs).join('.') : '_id';
    throw immutableId(path);
  }
  return idFirst(out);
}

// ---- parsing ------------------------------------------------------------------------------

interface Entry {
  segs: string[];
  /** null for the conflict placeholder at a $rename source */
  leaf: Leaf | null;
  /** $rename: the source path (segs is the destination) */
  from?: string[];
  filtered: boolean;
}

type Filters = Map<string, (el: unknown) => boolean>;

const isArrayFilter = (s: string) => s.startsWith('$[') && s.endsWith(']');

function collectIdentifiers(filter: Document, ids: Set<string>): void {
  for (const k of Object.keys(filter)) {
    if (!k.startsWith('$')) ids.add(k.split('.')[0]!);
    else if (Array.isArray(filter[k])) {
      for (const sub of filter[k] as unknown[]) if (isPlainObject(sub)) collectIdentifiers(sub, ids);
    }
  }
}

function parseArrayFilters(list: Document[]): Filters {
  const out: Filters = new Map();
  for (const f of list) {
    if (!isPlainObject(f)) throw failedToParse(`Each array filter must be an object, found ${typeName(f)}`);
    const ids = new Set<string>();
    collectIdentifiers(f, ids);
    const [id, other] = [...ids];
    if (id === undefined) throw failedToParse('Cannot use an expression without a top-level field name in arrayFilters');
    if (other !== undefined) {
      throw failedToParse(`Error parsing array filter :: caused by :: Expected a single top-level field name, found '${id}' and '${other}'`);
    }
    if (!/^[a-z][a-zA-Z0-9]*$/.test(id)) {
      throw badValue(`Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`);
    }
    if (out.has(id)) throw failedToParse(`Found multiple array filters with the same top-level field name ${id}`);
    // The filter names the element by the identifier: {x: {$gt: 1}} or {'x.qty': 1}.
    const q = makeQuery(f);
    out.set(id, (el) => q.test({ [id]: toView(el) }));
  }
  return out;
}

const OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$currentDate', '$setOnInsert',
  '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$bit',
]);

function makeLeaf(op: string, path: string, arg: unknown, opts: ApplyUpdateOptions): Leaf {
  switch (op) {
    case '$set': return setLeaf(arg);
    case '$setOnInsert': return opts.isUpsertInsert ? setLeaf(arg) : noopLeaf;
    case '$unset': return unsetLeaf;
    case '$inc': case '$mul': return arithLeaf(op, path, arg);
    case '$min': case '$max': return compareLeaf(op, arg);
    case '$currentDate': return currentDateLeaf(arg, opts.now);
    case '$bit': return bitLeaf(arg);
    case '$push': return pushLeaf(arg);
    case '$addToSet': return addToSetLeaf(arg);
    case '$pop': return popLeaf(path, arg);
    case '$pull': return pullLeaf(arg);
    default: return pullAllLeaf(arg);
  }
}

function splitPath(path: string): string[] {
  if (path === '') throw new EngineError(56, 'EmptyFieldName', 'An empty update path is not valid.');
  const segs = path.split('.');
  if (segs.some((s) => s === '')) {
    throw new EngineError(56, 'EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  }
  const positional = segs.filter((s) => s === '$').length;
  if (positional > 1) throw badValue(`Too many positional (i.e. '$') elements found in path '${path}'`);
  if (segs[0] === '$') throw badValue(`Cannot have positional (i.e. '$') element in the first position in path '${path}'`);
  if (isArrayFilter(segs[0]!)) {
    throw badValue(`Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`);
  }
  return segs;
}

function checkIdentifiers(segs: string[], path: string, filters: Filters, used: Set<string>): void {
  for (const s of segs) {
    if (!isArrayFilter(s) || s === '$[]') continue;
    const id = s.slice(2, -1);
    if (!filters.has(id)) throw badValue(`No array filter found for identifier '${id}' in path '${path}'`);
    used.add(id);
  }
}

// Two paths conflict when one is a prefix of the other, or when one indexes an array with
// $[...] where the other uses a field name (MongoDB's tree needs an array node there).
function conflictLength(prev: string[], next: string[]): number {
  const n = Math.min(prev.length, next.length);
  for (let j = 0; j < n; j++) {
    if (prev[j] === next[j]) continue;
    return isArrayFilter(prev[j]!) !== isArrayFilter(next[j]!) ? j : -1;
  }
  return n;
}

function addEntry(entries: Entry[], entry: Entry): void {
  for (const prev of entries) {
    const k = conflictLength(prev.segs, entry.segs);
    if (k >= 0) {
      throw new EngineError(40, 'ConflictingUpdateOperators',
        `Updating the path '${entry.segs.join('.')}' would create a conflict at '${entry.segs.slice(0, k).join('.')}'`);
    }
  }
  entries.push(entry);
}

function parseOperators(update: Document, filters: Filters, opts: ApplyUpdateOptions): Entry[] {
  const entries: Entry[] = [];
  const used = new Set<string>();
  for (const op of Object.keys(update)) {
    if (!OPERATORS.has(op)) {
      throw failedToParse(`Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    const fields = update[op];
    if (!isPlainObject(fields)) {
      throw failedToParse(`Modifiers operate on fields but we found type ${typeName(fields)} instead. For example: {$mod: {<field>: ...}} not {${fmtElem(op, fields)}}`);
    }
    for (const path of Object.keys(fields)) {
      const arg = fields[path];
      const segs = splitPath(path);
      if (op !== '$rename') {
        const leaf = makeLeaf(op, path, arg, opts);
        checkIdentifiers(segs, path, filters, used);
        addEntry(entries, { segs, leaf, filtered: segs.some(isArrayFilter) });
        continue;
      }
      checkIdentifiers(segs, path, filters, used);
      addEntry(entries, { segs, leaf: null, filtered: false });
      if (typeof arg !== 'string') throw badValue(`The 'to' field for $rename must be a string: ${fmtElem(path, arg)}`);
      const to = splitPath(arg);
      const spec = `{ ${fmtElem(path, arg)} }`;
      if (path === arg) throw badValue(`The source and target field for $rename must differ: ${spec}`);
      if (arg.startsWith(`${path}.`) || path.startsWith(`${arg}.`)) {
        throw badValue(`The source and target field for $rename must not be on the same path: ${spec}`);
      }
      const dynamic = (s: string) => s === '$' || isArrayFilter(s);
      if (segs.some(dynamic)) throw badValue(`The source field for $rename may not be dynamic: ${path}`);
      if (to.some(dynamic)) throw badValue(`The destination field for $rename may not be dynamic: ${arg}`);
      // The entry sits at the destination; applyRename supplies the moved value itself.
      addEntry(entries, { segs: to, leaf: setLeaf(undefined), from: segs, filtered: false });
    }
  }
  for (const id of filters.keys()) {
    if (!used.has(id)) throw failedToParse(`The array filter for identifier '${id}' was not used in the update ${fmtValue(update)}`);
  }
  return entries;
}

/** Field-name order; numeric names compare as numbers. */
function comparePaths(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    }
    return compareStrings(x, y);
  }
  return a.length - b.length;
}

// ---- applying -----------------------------------------------------------------------------

interface Ctx {
  root: Document;
  filters: Filters;
  hasId: boolean;
  id: unknown;
  /** concrete paths written through $[...], to detect two filters hitting the same element */
  claims: Array<{ path: string[]; entry: Entry }>;
  matches: WeakMap<unknown[], Map<string, boolean[]>>;
}

type Container = Document | unknown[];
const MAX_PADDING = 1_500_000;

function arrayIndex(seg: string): number | null {
  return /^\d{1,15}$/.test(seg) ? Number(seg) : null;
}

function target(ctx: Ctx, path: string[]): Target {
  return { path: path.join('.'), field: path[path.length - 1] ?? '', id: ctx.id, hasId: ctx.hasId };
}

function claim(ctx: Ctx, e: Entry, path: string[]): void {
  if (!e.filtered) return;
  for (const c of ctx.claims) {
    if (c.entry === e) continue;
    const n = Math.min(c.path.length, path.length);
    if (path.slice(0, n).every((s, i) => s === c.path[i])) {
      throw new EngineError(40, 'ConflictingUpdateOperators', `Update created a conflict at '${path.slice(0, n).join('.')}'`);
    }
  }
  ctx.claims.push({ path, entry: e });
}

// MongoDB decides which elements each filter selects before changing any of them, so the
// matches are computed once per array, on its first visit.
function filterMatches(ctx: Ctx, arr: unknown[]): Map<string, boolean[]> {
  let m = ctx.matches.get(arr);
  if (!m) {
    m = new Map();
    for (const [id, f] of ctx.filters) m.set(id, arr.map(f));
    ctx.matches.set(arr, m);
  }
  return m;
}

/** Applies entry e at segs[i] inside holder, an existing object or array at path `at`. */
function walk(ctx: Ctx, e: Entry, holder: Container, i: number, at: string[]): void {
  const seg = e.segs[i]!;
  const last = i === e.segs.length - 1;
  if (isArrayFilter(seg)) {
    const arr = holder as unknown[];
    const match = seg === '$[]' ? undefined : filterMatches(ctx, arr).get(seg.slice(2, -1));
    for (let k = 0; k < arr.length; k++) {
      if (match && !match[k]) continue;
      const here = [...at, String(k)];
      if (last) setExisting(ctx, e, arr, k, here);
      else descend(ctx, e, arr[k], i + 1, here);
    }
    return;
  }
  let key: string | number = seg;
  let exists: boolean;
  if (Array.isArray(holder)) {
    const idx = arrayIndex(seg);
    if (idx === null) return missing(ctx, e, holder, i, at, false);
    key = idx;
    exists = idx < holder.length;
  } else {
    exists = Object.hasOwn(holder, seg);
  }
  if (!exists) return missing(ctx, e, holder, i, at, true);
  const here = [...at, seg];
  if (last) setExisting(ctx, e, holder, key, here);
  else descend(ctx, e, (holder as Record<string | number, unknown>)[key], i + 1, here);
}

function descend(ctx: Ctx, e: Entry, child: unknown, j: number, at: string[]): void {
  const next = e.segs[j]!;
  if (isArrayFilter(next)) {
    if (!Array.isArray(child)) {
      throw badValue(`Cannot apply array updates to non-array element ${fmtElem(at[at.length - 1]!, child)}`);
    }
    return walk(ctx, e, child, j, at);
  }
  if (Array.isArray(child) || isPlainObject(child)) return walk(ctx, e, child, j, at);
  missing(ctx, e, child as Container, j, at, false);
}

function setExisting(ctx: Ctx, e: Entry, holder: Container, key: string | number, at: string[]): void {
  claim(ctx, e, at);
  const h = holder as Record<string | number, unknown>;
  const r = e.leaf!.update(h[key], target(ctx, at));
  if (r === KEEP) return;
  if (r !== UNSET) h[key] = r;
  else if (Array.isArray(holder)) holder[key as number] = null;
  else delete h[key];
}

/** segs[i..] does not exist below holder: create it if the operator creates. */
function missing(ctx: Ctx, e: Entry, holder: Container, i: number, at: string[], viable: boolean): void {
  const f = e.segs.findIndex((s, k) => k >= i && isArrayFilter(s));
  if (f >= 0) {
    throw badValue(`The path '${[...at, ...e.segs.slice(i, f)].join('.')}' must exist in the document in order to apply array updates.`);
  }
  if (!e.leaf!.creates) return;
  const seg = e.segs[i]!;
  if (!viable) throw pathNotViable(`Cannot create field '${seg}' in element {${fmtElem(at[at.length - 1]!, holder)}}`);
  const full = [...at, ...e.segs.slice(i)];
  claim(ctx, e, full);
  let value = e.leaf!.create(target(ctx, full));
  for (let k = e.segs.length - 1; k > i; k--) value = { [e.segs[k]!]: value };
  if (Array.isArray(holder)) {
    const idx = arrayIndex(seg)!;
    if (idx - holder.length > MAX_PADDING) {
      throw new EngineError(258, 'CannotBackfillArray', `can't backfill more than ${MAX_PADDING} elements`);
    }
    while (holder.length < idx) holder.push(null);
    holder[idx] = value;
  } else {
    holder[seg] = value;
  }
}

function applyRename(ctx: Ctx, e: Entry): void {
  const from = e.from!;
  const idText = ctx.hasId ? fmtElem('_id', ctx.id) : 'no id';
  // Locate the source; like MongoDB, a missing source is a no-op, and a source inside an array
  // or a path through a non-container is an error.
  let parent: unknown = ctx.root;
  let arrayName: string | undefined;
  for (let i = 0; i < from.length; i++) {
    const seg = from[i]!;
    const idx = Array.isArray(parent) ? arrayIndex(seg) : null;
    if (Array.isArray(parent) ? idx === null : !isPlainObject(parent)) {
      throw pathNotViable(`cannot use the part (${seg} of ${from.join('.')}) to traverse the element ({${fmtElem(from[i - 1]!, parent)}})`);
    }
    if (Array.isArray(parent)) arrayName = from[i - 1];
    const next = Array.isArray(parent) ? parent[idx!] : (parent as Document)[seg];
    if (Array.isArray(parent) ? idx! >= parent.length : !Object.hasOwn(parent as Document, seg)) return;
    if (i < from.length - 1) parent = next;
  }
  if (arrayName !== undefined) {
    throw badValue(`The source field cannot be an array element, '${from.join('.')}' in doc with ${idText} has an array field called '${arrayName}'`);
  }
  const source = parent as Document;
  const name = from[from.length - 1]!;
  const value = source[name];
  let node: unknown = ctx.root;
  for (let i = 0; i < e.segs.length - 1 && isPlainObject(node) && Object.hasOwn(node, e.segs[i]!); i++) {
    node = node[e.segs[i]!];
    if (Array.isArray(node)) {
      throw badValue(`The destination field cannot be an array element, '${e.segs.join('.')}' in doc with ${idText} has an array field called '${e.segs[i]}'`);
    }
  }
  walk(ctx, { segs: e.segs, leaf: setLeaf(value), filtered: false }, ctx.root, 0, []);
  delete source[name];
}
