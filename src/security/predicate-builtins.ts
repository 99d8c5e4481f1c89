// The predicates of SECURITY.md §7.2 (Undertow built-ins) and §7.3 (RESTHeart), with the parameter
// names, types, required sets and default parameters of their Java builders.
import { parseJson } from '../json/parse.ts';
import { safeRegex, type SafeRegex } from '../engine/regex.ts';
import { valuesEqual } from '../engine/values.ts';
import { compileAttribute, normalizePath } from './predicate-attributes.ts';
import type { Attribute, EvalContext } from './predicate-attributes.ts';
import { allKeysWhitelisted, containsKeys, getPath } from './predicate-body.ts';
import { PredicateSyntaxError } from './predicate-parser.ts';
import type { Scalar } from './predicate-parser.ts';

export type Leaf = (ctx: EvalContext) => boolean;
type ParamType = 'string' | 'string[]' | 'attr' | 'attr[]' | 'bool' | 'int';
/** A parameter value after coercion to its declared type. */
export type Param = string | string[] | Attribute | Attribute[] | boolean | number;
export type Params = Map<string, Param>;

interface Builder {
  params: Record<string, ParamType>;
  required: string[];
  /** Receives unnamed values; null when the predicate has none (`in`). */
  defaultParam: string | null;
  build(p: Params): Leaf;
}

const str = (p: Params, k: string) => p.get(k) as string;
const strs = (p: Params, k: string) => (p.get(k) as string[] | undefined) ?? [];
const attr = (p: Params, k: string) => p.get(k) as Attribute | undefined;

function nonEmpty(name: string, list: string[]): string[] {
  if (list.length === 0) throw new PredicateSyntaxError(`${name} needs at least one value`);
  return list;
}

function jsonValues(list: string[]): unknown[] {
  return list.map((text) => {
    try {
      return parseJson(text);
    } catch {
      throw new PredicateSyntaxError(`${text} is not a valid JSON value`);
    }
  });
}

/** `{var}` = one segment; a final `*` segment = one or more further segments. */
function compileTemplate(template: string): (path: string, into: Map<string, string>) => boolean {
  const segs = normalizePath(template).split('/').slice(1).filter((s) => s !== '');
  const wildcard = segs.at(-1) === '*';
  if (wildcard) segs.pop();
  return (path, into) => {
    const actual = path.split('/').filter((s) => s !== '');
    if (wildcard ? actual.length <= segs.length : actual.length !== segs.length) return false;
    const found = new Map<string, string>();
    for (let i = 0; i < segs.length; i++) {
      const t = segs[i]!;
      if (t.length > 2 && t.startsWith('{') && t.endsWith('}')) found.set(t.slice(1, -1), actual[i]!);
      else if (t !== actual[i]) return false;
    }
    for (const [k, v] of found) into.set(k, v);
    return true;
  };
}

/** In linear time (regex.ts): the path or header it runs on comes from the client. */
function compileRegex(pattern: string, fullMatch: boolean, caseSensitive: boolean): SafeRegex {
  let source = pattern;
  let flags = caseSensitive ? '' : 'i';
  // Java's leading inline flag, which JavaScript lacks
  if (source.startsWith('(?i)')) { source = source.slice(4); flags = 'i'; }
  try {
    return safeRegex(fullMatch ? `^(?:${source})$` : source, flags);
  } catch (e) {
    throw new PredicateSyntaxError(`Invalid regex ${pattern}: ${(e as Error).message}`);
  }
}

/** Content-Length of the request; a request without it and without a chunked body is empty. */
function contentLength(ctx: EvalContext): number | undefined {
  const cl = ctx.req.headers['content-length'];
  const v = Array.isArray(cl) ? cl[0] : cl;
  if (v === undefined) return ctx.req.headers['transfer-encoding'] === undefined ? 0 : undefined;
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

function distinctKeys(q: URLSearchParams): Set<string> {
  return new Set(q.keys());
}

const pathList = (p: Params) => strs(p, 'path').map(normalizePath);
const bodyOf = (ctx: EvalContext) => ctx.req.body;

const BUILDERS: Record<string, Builder> = {
  path: {
    params: { path: 'string[]' }, required: ['path'], defaultParam: 'path',
    build(p) { const list = pathList(p); return (c) => list.includes(c.path); },
  },
  'path-prefix': {
    params: { path: 'string[]' }, required: ['path'], defaultParam: 'path',
    build(p) {
      const list = pathList(p);
      return (c) => list.some((pre) => pre === '/' || c.path === pre || c.path.startsWith(`${pre}/`));
    },
  },
  'path-suffix': {
    params: { path: 'string[]' }, required: ['path'], defaultParam: 'path',
    build(p) { const list = strs(p, 'path'); return (c) => list.some((s) => c.path.endsWith(s)); },
  },
  'path-template': {
    params: { value: 'string', match: 'attr' }, required: ['value'], defaultParam: 'value',
    build(p) {
      const match = compileTemplate(str(p, 'value'));
      const source = attr(p, 'match');
      return (c) => {
        const v = source ? source(c) : c.path;
        return v !== undefined && match(v, c.vars);
      };
    },
  },
  method: {
    params: { value: 'string[]' }, required: ['value'], defaultParam: 'value',
    // Undertow compares methods as HttpString, ignoring case
    build(p) { const list = strs(p, 'value').map((m) => m.toUpperCase()); return (c) => list.includes(c.req.method.toUpperCase()); },
  },
  equals: {
    params: { value: 'attr[]' }, required: ['value'], defaultParam: 'value',
    build(p) {
      const attrs = p.get('value') as Attribute[];
      // Unlike Undertow (null equals null), an unresolved value never matches: an anonymous %u
      // must not equal an unbound ${var}.
      return (c) => {
        const first = attrs[0]?.(c);
        if (first === undefined) return attrs.length === 0;
        return attrs.every((a) => a(c) === first);
      };
    },
  },
  contains: {
    params: { value: 'attr', search: 'string[]' }, required: ['value', 'search'], defaultParam: 'value',
    build(p) {
      const value = attr(p, 'value')!;
      const search = strs(p, 'search');
      return (c) => { const v = value(c); return v !== undefined && search.some((s) => v.includes(s)); };
    },
  },
  regex: {
    params: { pattern: 'string', value: 'attr', 'full-match': 'bool', 'case-sensitive': 'bool' },
    required: ['pattern'], defaultParam: 'pattern',
    build(p) {
      const re = compileRegex(str(p, 'pattern'), p.get('full-match') === true, p.get('case-sensitive') !== false);
      const value = attr(p, 'value');
      return (c) => {
        const input = value ? value(c) : c.path;
        if (input === undefined) return false;
        const m = re.exec(input);
        if (!m) return false;
        m.forEach((g, i) => { if (g !== undefined) c.vars.set(String(i), g); });
        for (const [k, g] of Object.entries(m.groups ?? {})) if (g !== undefined) c.vars.set(k, g);
        return true;
      };
    },
  },
  exists: {
    params: { value: 'attr' }, required: ['value'], defaultParam: 'value',
    build(p) { const value = attr(p, 'value')!; return (c) => { const v = value(c); return v !== undefined && v !== ''; }; },
  },
  true: { params: {}, required: [], defaultParam: null, build: () => () => true },
  false: { params: {}, required: [], defaultParam: null, build: () => () => false },
  secure: { params: {}, required: [], defaultParam: null, build: () => (c) => c.req.secure },
  'max-content-size': {
    params: { value: 'int' }, required: ['value'], defaultParam: 'value',
    build(p) { const max = p.get('value') as number; return (c) => { const n = contentLength(c); return n !== undefined && n <= max; }; },
  },
  'min-content-size': {
    params: { value: 'int' }, required: ['value'], defaultParam: 'value',
    build(p) { const min = p.get('value') as number; return (c) => { const n = contentLength(c); return n !== undefined && n >= min; }; },
  },
  'qparams-contain': {
    params: { qparams: 'string[]' }, required: ['qparams'], defaultParam: 'qparams',
    build(p) { const list = nonEmpty('qparams-contain', strs(p, 'qparams')); return (c) => list.every((k) => c.req.query.has(k)); },
  },
  'qparams-blacklist': {
    params: { blacklist: 'string[]' }, required: ['blacklist'], defaultParam: 'blacklist',
    build(p) { const list = nonEmpty('qparams-blacklist', strs(p, 'blacklist')); return (c) => !list.some((k) => c.req.query.has(k)); },
  },
  'qparams-whitelist': {
    params: { whitelist: 'string[]' }, required: [], defaultParam: 'whitelist',
    build(p) {
      const allowed = new Set(strs(p, 'whitelist'));
      return (c) => [...distinctKeys(c.req.query)].every((k) => allowed.has(k));
    },
  },
  'qparams-size': {
    params: { size: 'int' }, required: ['size'], defaultParam: 'size',
    build(p) { const n = p.get('size') as number; return (c) => distinctKeys(c.req.query).size === n; },
  },
  'bson-request-contains': {
    params: { keys: 'string[]' }, required: ['keys'], defaultParam: 'keys',
    build(p) { const keys = nonEmpty('bson-request-contains', strs(p, 'keys')); return (c) => containsKeys(bodyOf(c), keys, true); },
  },
  'bson-request-whitelist': {
    params: { whitelist: 'string[]' }, required: [], defaultParam: 'whitelist',
    build(p) { const list = strs(p, 'whitelist'); return (c) => allKeysWhitelisted(bodyOf(c), list); },
  },
  'bson-request-blacklist': {
    params: { blacklist: 'string[]' }, required: ['blacklist'], defaultParam: 'blacklist',
    build(p) { const list = nonEmpty('bson-request-blacklist', strs(p, 'blacklist')); return (c) => !containsKeys(bodyOf(c), list, false); },
  },
  'bson-request-prop-equals': {
    params: { key: 'string', value: 'attr' }, required: ['key', 'value'], defaultParam: 'key',
    build(p) {
      const key = str(p, 'key');
      const value = attr(p, 'value')!;
      return (c) => {
        const body = bodyOf(c);
        if (Array.isArray(body)) return false;
        const got = getPath(body, key);
        const text = got.found ? value(c) : undefined;
        if (text === undefined) return false;
        try {
          return valuesEqual(got.value, parseJson(text));
        } catch {
          return false;
        }
      };
    },
  },
  'bson-request-array-contains': {
    params: { key: 'string', values: 'string[]' }, required: ['key', 'values'], defaultParam: 'key',
    build(p) {
      const key = str(p, 'key');
      const expected = jsonValues(strs(p, 'values'));
      return (c) => {
        const arr = bodyArray(c, key);
        return arr !== undefined && expected.every((e) => arr.some((a) => valuesEqual(a, e)));
      };
    },
  },
  'bson-request-array-is-subset': {
    params: { key: 'string', values: 'string[]' }, required: ['key', 'values'], defaultParam: 'key',
    build(p) {
      const key = str(p, 'key');
      const allowed = jsonValues(strs(p, 'values'));
      return (c) => {
        const arr = bodyArray(c, key);
        return arr !== undefined && arr.every((a) => allowed.some((e) => valuesEqual(a, e)));
      };
    },
  },
  in: {
    params: { value: 'attr', array: 'string[]' }, required: ['value', 'array'], defaultParam: null,
    build(p) {
      const value = attr(p, 'value')!;
      const list = strs(p, 'array');
      return (c) => { const v = value(c); return v !== undefined && list.includes(v); };
    },
  },
};

function bodyArray(c: EvalContext, key: string): unknown[] | undefined {
  const body = bodyOf(c);
  if (Array.isArray(body)) return undefined;
  const got = getPath(body, key);
  return got.found && Array.isArray(got.value) ? got.value : undefined;
}

function coerceScalar(name: string, param: string, type: ParamType, s: Scalar): Param {
  switch (type) {
    case 'string': return s.text;
    case 'string[]': return [s.text];
    case 'attr': return compileAttribute(s.text, s.escaped);
    case 'attr[]': return [compileAttribute(s.text, s.escaped)];
    case 'bool': {
      const t = s.text.toLowerCase();
      if (t !== 'true' && t !== 'false') throw new PredicateSyntaxError(`${name}: ${param} must be true or false`);
      return t === 'true';
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(s.text.trim())) throw new PredicateSyntaxError(`${name}: ${param} must be an integer`);
      return Number(s.text.trim());
    }
  }
}

/** Checks names, types and required parameters, then builds the predicate. */
export function buildPredicate(name: string, args: Map<string, Scalar | Scalar[]>): Leaf {
  if (!Object.hasOwn(BUILDERS, name)) throw new PredicateSyntaxError(`Unknown predicate ${name}`);
  const b = BUILDERS[name]!;
  const params: Params = new Map();
  for (const [param, value] of args) {
    const type = Object.hasOwn(b.params, param) ? b.params[param] : undefined;
    if (type === undefined) throw new PredicateSyntaxError(`${name}: unknown parameter ${param}`);
    if (Array.isArray(value)) {
      if (type === 'string[]') params.set(param, value.map((s) => s.text));
      else if (type === 'attr[]') params.set(param, value.map((s) => compileAttribute(s.text, s.escaped)));
      else throw new PredicateSyntaxError(`${name}: ${param} is not an array parameter`);
    } else {
      params.set(param, coerceScalar(name, param, type, value));
    }
  }
  for (const r of b.required) if (!params.has(r)) throw new PredicateSyntaxError(`${name}: missing parameter ${r}`);
  return b.build(params);
}

export function defaultParameter(name: string): string | null {
  return Object.hasOwn(BUILDERS, name) ? BUILDERS[name]!.defaultParam : null;
}
