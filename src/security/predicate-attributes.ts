// Exchange attributes (`%u`, `%{i,Header}`, `${var}`…) and request-path normalisation for the
// predicate language (SECURITY.md §7.1).
import type { PredicateRequest } from './predicates.ts';
import { PredicateSyntaxError } from './predicate-parser.ts';

/** Per-evaluation state shared by every predicate of one expression. */
export interface EvalContext {
  req: PredicateRequest;
  vars: Map<string, string>;
  /** Normalised request path, computed once per evaluation. */
  path: string;
}

/** Resolves to a string, or undefined when the attribute has no value (anonymous %u, unbound ${x}…). */
export type Attribute = (ctx: EvalContext) => string | undefined;

/**
 * Canonical form of a request path: duplicate slashes collapsed, `.` and `..` segments resolved
 * (never above the root), no trailing slash except for `/` itself. Without this, an allow rule on
 * `path-prefix('/public')` would also match `/public/../private`.
 */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

function headerValue(req: PredicateRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  // Undertow renders a multi-valued header or parameter as "[a, b]"
  return v.length === 0 ? undefined : v.length === 1 ? v[0] : `[${v.join(', ')}]`;
}

function queryParam(req: PredicateRequest, name: string): string | undefined {
  const all = req.query.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : `[${all.join(', ')}]`;
}

function queryString(req: PredicateRequest): string {
  const qs = req.query.toString();
  return qs === '' ? '' : `?${qs}`;
}

// %R and %U both read the normalised full path: docrest has no servlet context (§7.1).
const SHORT: Record<string, Attribute> = {
  u: (c) => c.req.userName,
  U: (c) => c.path,
  R: (c) => c.path,
  m: (c) => c.req.method,
  q: (c) => queryString(c.req),
  a: (c) => c.req.remoteIp,
  h: (c) => c.req.remoteIp,
};

const LONG: Record<string, Attribute> = {
  REMOTE_USER: SHORT.u!,
  REQUEST_URL: SHORT.U!,
  RELATIVE_PATH: SHORT.R!,
  REQUEST_PATH: SHORT.R!,
  METHOD: SHORT.m!,
  QUERY_STRING: SHORT.q!,
  BARE_QUERY_STRING: (c) => c.req.query.toString(),
  REMOTE_IP: SHORT.a!,
};

function braced(token: string): Attribute {
  const inner = token.slice(2, -1);
  const comma = inner.indexOf(',');
  if (comma >= 0) {
    const kind = inner.slice(0, comma).trim();
    const name = inner.slice(comma + 1).trim();
    if (name !== '' && kind === 'i') return (c) => headerValue(c.req, name);
    if (name !== '' && kind === 'q') return (c) => queryParam(c.req, name);
  } else if (Object.hasOwn(LONG, inner)) {
    return LONG[inner]!;
  }
  throw new PredicateSyntaxError(`Unknown exchange attribute ${token}`);
}

const isLetter = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z]/.test(ch);

/**
 * Compiles attribute text: literals mixed with `%x`, `%{…}` and `${name}`. A lone unresolved
 * attribute yields undefined; inside a composite it contributes '' (as Undertow's composite does).
 * Characters whose index is in `escaped` (written `\%`, `\$`) are literals.
 */
export function compileAttribute(text: string, escaped?: ReadonlySet<number>): Attribute {
  const parts: Array<string | Attribute> = [];
  let lit = '';
  let i = 0;
  const flush = () => { if (lit !== '') { parts.push(lit); lit = ''; } };
  while (i < text.length) {
    const c = text[i]!;
    const n = text[i + 1];
    if (escaped?.has(i)) {
      lit += c;
      i++;
    } else if ((c === '%' || c === '$') && n === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) throw new PredicateSyntaxError(`Unterminated attribute in ${text}`);
      flush();
      const token = text.slice(i, close + 1);
      if (c === '$') {
        const name = token.slice(2, -1);
        parts.push((ctx) => ctx.vars.get(name));
      } else {
        parts.push(braced(token));
      }
      i = close + 1;
    } else if (c === '%' && isLetter(n)) {
      if (!Object.hasOwn(SHORT, n!)) throw new PredicateSyntaxError(`Unknown exchange attribute %${n}`);
      flush();
      parts.push(SHORT[n!]!);
      i += 2;
    } else {
      lit += c;
      i++;
    }
  }
  flush();
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const p = parts[0]!;
    return typeof p === 'string' ? () => p : p;
  }
  return (ctx) => parts.map((p) => (typeof p === 'string' ? p : (p(ctx) ?? ''))).join('');
}
