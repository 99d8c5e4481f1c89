// Permission predicates: Undertow's textual predicate language plus RESTHeart's extensions
// (SECURITY.md §7). compilePredicate() parses and checks the text once; the returned function
// evaluates it against a request. Parsing lives in predicate-parser.ts, the predicates in
// predicate-builtins.ts, @user/@request.body substitution in predicate-interpolate.ts.
import { normalizePath } from './predicate-attributes.ts';
import type { EvalContext } from './predicate-attributes.ts';
import { buildPredicate, defaultParameter } from './predicate-builtins.ts';
import type { Leaf } from './predicate-builtins.ts';
import { parsePredicate, PredicateSyntaxError } from './predicate-parser.ts';
import type { CallNode, Node, Scalar } from './predicate-parser.ts';

export { PredicateSyntaxError } from './predicate-parser.ts';
export { interpolate } from './predicate-interpolate.ts';
export { normalizePath } from './predicate-attributes.ts';

export interface PredicateRequest {
  method: string;
  /** Request path, percent-decoded (`/inventory/a b`). */
  path: string;
  query: URLSearchParams;
  /** Lower-case names, as node's IncomingHttpHeaders. */
  headers: Record<string, string | string[] | undefined>;
  remoteIp: string;
  /** %u; undefined when anonymous. */
  userName?: string;
  /** Parsed JSON request body; undefined when there is none. */
  body?: unknown;
  secure: boolean;
}

/**
 * Evaluates left to right with short-circuit; `vars` receives the captures of path-template and
 * regex (`${name}`, `${0}`…) so that later predicates of the same expression can read them.
 */
export type Predicate = (req: PredicateRequest, vars: Map<string, string>) => boolean;

function callArgs(call: CallNode): Map<string, Scalar | Scalar[]> {
  const args = new Map<string, Scalar | Scalar[]>();
  if (call.named) {
    for (const [k, v] of call.named) args.set(k, v.kind === 'array' ? v.items : v);
    return args;
  }
  if (call.positional.length === 0) return args;
  const def = defaultParameter(call.name);
  if (def === null) throw new PredicateSyntaxError(`${call.name}: parameters must be named (name=value)`);
  if (call.positional.length === 1) {
    const v = call.positional[0]!;
    args.set(def, v.kind === 'array' ? v.items : v);
    return args;
  }
  // several unnamed values form an array for the default parameter
  const items: Scalar[] = [];
  for (const v of call.positional) {
    if (v.kind === 'array') throw new PredicateSyntaxError(`${call.name}: unexpected array among unnamed values`);
    items.push(v);
  }
  args.set(def, items);
  return args;
}

function compileNode(node: Node): Leaf {
  switch (node.kind) {
    case 'and': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      return (c) => l(c) && r(c);
    }
    case 'or': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      return (c) => l(c) || r(c);
    }
    case 'not': {
      const o = compileNode(node.operand);
      return (c) => !o(c);
    }
    case 'call':
      return buildPredicate(node.name, callArgs(node));
  }
}

/** Parses and checks a predicate; throws PredicateSyntaxError on any error. */
export function compilePredicate(text: string): Predicate {
  let leaf: Leaf;
  try {
    leaf = compileNode(parsePredicate(text));
  } catch (e) {
    if (e instanceof PredicateSyntaxError) throw e;
    throw new PredicateSyntaxError(`Invalid predicate: ${(e as Error).message}`);
  }
  return (req, vars) => {
    const ctx: EvalContext = { req, vars, path: normalizePath(req.path) };
    return leaf(ctx);
  };
}
