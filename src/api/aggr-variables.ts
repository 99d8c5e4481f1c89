// Aggregation variables (API.md §9.1): the `avars` parameter, the predefined @-variables, and
// their interpolation into the stored stages — `{$var: "name"}`, `{$var: ["name", default]}`
// (dot paths navigate nested values) and the conditional stages `{$ifvar: [vars, stage, else?]}`.
import { HttpError, badRequest } from '../errors.ts';
import { Int32, isPlainObject, type Document } from '../engine/values.ts';
import { parseJson } from '../json/parse.ts';
import { invalidMetadata } from './aggr-definitions.ts';
import type { MongoRequest } from './context.ts';

/** `avars` as a document (400 when it is not one, or holds a `$` key while operators are checked). */
export function parseAvars(req: MongoRequest): Document {
  if (!req.params.raw.has('avars')) return {};
  const raw = req.params.raw.get('avars')!;
  if (raw.trim() === '') throw badRequest('Illegal avars parameter (empty)');
  let avars: unknown;
  try {
    avars = parseJson(raw);
  } catch {
    throw badRequest(`illegal avars parameter, it is not a json object: ${raw}`);
  }
  if (!isPlainObject(avars)) throw badRequest(`illegal avars parameter, it is not a json object: ${raw}`);
  if (req.settings.aggregationCheckOperators && holdsOperator(avars)) {
    throw badRequest(`illegal avars parameter: ${raw}`, {
      extra: { exception: 'java.lang.SecurityException', 'exception message': 'aggregation variables cannot include operators' },
    });
  }
  return avars;
}

function holdsOperator(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(holdsOperator);
  if (!isPlainObject(v)) return false;
  return Object.keys(v).some((k) => k.startsWith('$') || holdsOperator(v[k]));
}

const orNull = (v: unknown) => (v === undefined ? null : v);

/** The server's variables, which a client's avars cannot override. */
export function predefinedVariables(req: MongoRequest): Document {
  const { page, pagesize } = req.params;
  const vars: Document = {
    '@page': new Int32(page), '@pagesize': new Int32(pagesize), '@limit': new Int32(pagesize), '@skip': new Int32(pagesize * (page - 1)),
  };
  const perms = req.caller?.permissions;
  vars['@mongoPermissions'] = {
    allowManagementRequests: perms?.allowManagementRequests ?? false, allowBulkPatch: perms?.allowBulkPatch ?? false,
    allowBulkDelete: perms?.allowBulkDelete ?? false, allowWriteMode: perms?.allowWriteMode ?? false,
    readFilter: orNull(perms?.readFilter), writeFilter: orNull(perms?.writeFilter),
  };
  for (const k of ['projectResponse', 'mergeRequest', 'readFilter', 'writeFilter'] as const) vars[`@mongoPermissions.${k}`] = orNull(perms?.[k]);
  const user = req.caller?.user ?? null;
  vars['@user'] = user;
  if (user) for (const [k, v] of Object.entries(user)) vars[`@user.${k}`] = v;
  return vars;
}

/** The value of a variable: a key of that exact name, else the dot path through nested values. */
function lookup(vars: Document, name: string): { found: boolean; value?: unknown } {
  if (Object.hasOwn(vars, name)) return { found: true, value: vars[name] };
  let v: unknown = vars;
  for (const p of name.split('.')) {
    if (!isPlainObject(v) || !Object.hasOwn(v, p)) return { found: false };
    v = v[p];
  }
  return { found: true, value: v };
}

function unbound(name: string): HttpError {
  return badRequest('cannot execute aggregation', {
    extra: { exception: 'QueryVariableNotBoundException', 'exception message': `variable ${name} not bound` },
  });
}

function bind(v: unknown, vars: Document): unknown {
  if (Array.isArray(v)) return v.map((x) => bind(x, vars));
  if (!isPlainObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === '$var') {
    const spec = v.$var;
    if (typeof spec === 'string') {
      const r = lookup(vars, spec);
      if (!r.found) throw unbound(spec);
      return r.value;
    }
    if (Array.isArray(spec) && spec.length === 2 && typeof spec[0] === 'string') {
      const r = lookup(vars, spec[0]);
      return r.found ? r.value : spec[1];
    }
    throw invalidMetadata('invalid aggregation', `wrong variable name ${JSON.stringify(spec)}`);
  }
  const out: Document = {};
  for (const k of keys) out[k] = bind(v[k], vars);
  return out;
}

/** A stage, the stage an $ifvar selects, or undefined when it drops out. */
function select(stage: Document, vars: Document): Document | undefined {
  if (!Object.hasOwn(stage, '$ifvar')) return stage;
  const [names, then, otherwise] = stage.$ifvar as [string | string[], Document, Document | undefined];
  const bound = (Array.isArray(names) ? names : [names]).every((n) => lookup(vars, n).found);
  return bound ? then : otherwise;
}

/** The stages to run: conditional stages resolved, then every variable bound (400 when one is not). */
export function interpolate(stages: Document[], vars: Document): Document[] {
  return stages.map((s) => select(s, vars)).filter((s): s is Document => s !== undefined).map((s) => bind(s, vars) as Document);
}
