// find() projections, compiled once into a function over exact-model documents.
//
// Semantics follow MongoDB 4.4+ (projection_parser.cpp / projection executors): output keeps the
// document's field order; an $elemMatch field in an inclusion projection comes after the other
// fields; values are shared with the input, never converted.
import { Query } from './mingo-context.ts';
import { EngineError } from '../errors.ts';
import { isNumeric, isPlainObject, numberOf, toView, type Document } from './values.ts';

type Node =
  | { kind: 'bool'; include: boolean }
  | { kind: 'slice'; skip: number | null; limit: number }
  | { kind: 'elemMatch'; test: (arr: unknown[]) => unknown }
  | { kind: 'path'; children: Map<string, Node> };
type PathNode = Extract<Node, { kind: 'path' }>;

const err = (code: number, message: string) => new EngineError(code, `Location${code}`, message);
const badValue = (message: string) => new EngineError(2, 'BadValue', message);

interface ParseState {
  type: 'inclusion' | 'exclusion' | undefined;
  idSpecified: boolean;
  idIncluded: boolean;
  hasSlice: boolean;
}

function addNode(root: PathNode, path: string[], node: Node): void {
  let cur = root;
  for (let i = 0; i < path.length - 1; i++) {
    const child = cur.children.get(path[i]!);
    if (!child) {
      const created: PathNode = { kind: 'path', children: new Map() };
      cur.children.set(path[i]!, created);
      cur = created;
    } else if (child.kind === 'path') {
      cur = child;
    } else {
      throw err(31249, `Path collision at ${path.join('.')} remaining portion ${path.slice(i + 1).join('.')}`);
    }
  }
  const last = path[path.length - 1]!;
  if (cur.children.has(last)) throw err(31250, `Path collision at ${path.join('.')}`);
  cur.children.set(last, node);
}

function fieldPath(name: string): string[] {
  const segs = name.split('.');
  if (name === '' || segs.some((s) => s === '')) throw err(15998, `FieldPath field names may not be empty strings.`);
  if (segs.some((s) => s.startsWith('$'))) {
    if (segs.includes('$')) throw badValue(`Positional projection '${name}' is not supported`);
    throw err(16410, `FieldPath field names may not start with '$'. Consider using $getField or $setField.`);
  }
  return segs;
}

function elemMatchTester(field: string, cond: unknown): (arr: unknown[]) => unknown {
  let q: Query;
  try {
    q = new Query({ [field]: { $elemMatch: forMingo(cond) } });
  } catch (e) {
    throw badValue((e as Error).message);
  }
  // Testing each element alone finds the first one that matches.
  return (arr) => arr.find((el) => q.test({ [field]: [toView(el)] }));
}

function forMingo(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(forMingo);
  if (isPlainObject(v)) {
    const out: Document = {};
    for (const k in v) out[k] = forMingo(v[k]);
    return out;
  }
  return toView(v);
}

function parseSlice(arg: unknown): Node {
  if (isNumeric(arg)) return { kind: 'slice', skip: null, limit: Math.trunc(numberOf(arg)) };
  if (!Array.isArray(arg)) throw err(31273, '$slice only supports numbers and [skip, limit] arrays');
  if (arg.length !== 2) throw err(31272, '$slice array argument should be of form [skip, limit]');
  const [skip, limit] = arg;
  if (!isNumeric(skip)) throw err(31257, `$slice expects the skip argument to be a number, got ${typeof skip}`);
  if (!isNumeric(limit)) throw err(31258, `$slice expects the limit argument to be a number, got ${typeof limit}`);
  const n = Math.trunc(numberOf(limit));
  if (n <= 0) throw err(31259, `$slice limit must be positive, got ${n}`);
  return { kind: 'slice', skip: Math.trunc(numberOf(skip)), limit: n };
}

function parseElement(st: ParseState, parent: PathNode, isRoot: boolean, name: string, value: unknown): void {
  const path = fieldPath(name);
  const isId = isRoot && name === '_id';
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      if (keys[0] === '$slice') {
        addNode(parent, path, parseSlice(value.$slice));
        st.hasSlice = true;
        return;
      }
      if (keys[0] === '$elemMatch') {
        if (!isPlainObject(value.$elemMatch)) throw err(31274, 'elemMatch: Invalid argument, object required');
        if (!isRoot || path.length !== 1) throw err(31275, 'Cannot use $elemMatch projection on a nested field.');
        addNode(parent, path, { kind: 'elemMatch', test: elemMatchTester(name, value.$elemMatch) });
        return;
      }
      throw badValue(`Projection expressions are not supported: ${name}: {${keys[0]}: ...}`);
    }
    if (keys.length === 0) throw err(51270, `An empty sub-projection is not a valid value. Found empty object at path ${name}`);
    // A nested specification is the same as dotted paths below this field.
    const sub: PathNode = { kind: 'path', children: new Map() };
    addNode(parent, path, sub);
    for (const k of keys) parseElement(st, sub, false, k, value[k]);
    return;
  }
  if (typeof value !== 'boolean' && !isNumeric(value)) {
    throw badValue(`Projection expressions are not supported: ${name}`);
  }
  const include = typeof value === 'boolean' ? value : numberOf(value) !== 0;
  addNode(parent, path, { kind: 'bool', include });
  if (isId) {
    if (include) st.idIncluded = true;
    return;
  }
  if (include && st.type === 'exclusion') throw err(31253, `Cannot do inclusion on field ${name} in exclusion projection`);
  if (!include && st.type === 'inclusion') throw err(31254, `Cannot do exclusion on field ${name} in inclusion projection`);
  st.type = include ? 'inclusion' : 'exclusion';
}

function sliceArray(v: unknown, node: { skip: number | null; limit: number }): unknown {
  if (!Array.isArray(v)) return v;
  const { skip, limit } = node;
  if (skip === null) return limit >= 0 ? v.slice(0, limit) : v.slice(Math.max(0, v.length + limit));
  const start = skip >= 0 ? Math.min(skip, v.length) : Math.max(0, v.length + skip);
  return v.slice(start, start + limit);
}

const MISSING = Symbol('missing');

function include(node: PathNode, doc: Document): Document {
  const out: Document = {};
  let matched: Array<[string, (arr: unknown[]) => unknown]> | undefined;
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) continue;
    const v = doc[key];
    switch (child.kind) {
      case 'bool': if (child.include) out[key] = v; break;
      case 'slice': out[key] = sliceArray(v, child); break;
      case 'elemMatch': (matched ??= []).push([key, child.test]); break;
      case 'path': {
        const r = includeValue(child, v);
        if (r !== MISSING) out[key] = r;
      }
    }
  }
  // MongoDB adds $elemMatch results after the other included fields.
  for (const [key, test] of matched ?? []) {
    const v = doc[key];
    const hit = Array.isArray(v) ? test(v) : undefined;
    if (hit !== undefined) out[key] = [hit];
  }
  return out;
}

// Below an included path, documents are projected, arrays element by element (scalars dropped).
function includeValue(node: PathNode, v: unknown): unknown {
  if (isPlainObject(v)) return include(node, v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const el of v) {
      const r = includeValue(node, el);
      if (r !== MISSING) out.push(r);
    }
    return out;
  }
  return MISSING;
}

function exclude(node: PathNode, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    const v = doc[key];
    if (!child) {
      out[key] = v;
      continue;
    }
    switch (child.kind) {
      case 'bool': if (child.include) out[key] = v; break;
      case 'slice': out[key] = sliceArray(v, child); break;
      case 'elemMatch': {
        const hit = Array.isArray(v) ? child.test(v) : undefined;
        if (hit !== undefined) out[key] = [hit];
        break;
      }
      case 'path': out[key] = excludeValue(child, v);
    }
  }
  return out;
}

function excludeValue(node: PathNode, v: unknown): unknown {
  if (isPlainObject(v)) return exclude(node, v);
  if (Array.isArray(v)) return v.map((el) => excludeValue(node, el));
  return v;
}

function idFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (!Object.hasOwn(doc, '_id') || keys[0] === '_id') return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}

/** Compiles a find() projection; the result shares values with its input document. */
export function compileProjection(spec: Document): (doc: Document) => Document {
  const root: PathNode = { kind: 'path', children: new Map() };
  const st: ParseState = { type: undefined, idSpecified: false, idIncluded: false, hasSlice: false };
  for (const name of Object.keys(spec)) {
    st.idSpecified ||= name === '_id' || name.startsWith('_id.');
    parseElement(st, root, true, name, spec[name]);
  }
  // MongoDB's rules when no field decided the type: {_id: 1} (also with $slice) is inclusion,
  // $slice alone is exclusion, $elemMatch alone is inclusion, anything else exclusion.
  let type = st.type;
  if (!type) {
    const hasElemMatch = [...root.children.values()].some((n) => n.kind === 'elemMatch');
    if (st.hasSlice) type = st.idIncluded ? 'inclusion' : 'exclusion';
    else type = hasElemMatch || st.idIncluded ? 'inclusion' : 'exclusion';
  }
  if (type === 'inclusion') {
    if (!st.idSpecified) root.children.set('_id', { kind: 'bool', include: true });
    return (doc) => idFirst(include(root, doc));
  }
  return (doc) => idFirst(exclude(root, doc));
}
