// The data-shaping part of an ACL permission (SECURITY.md §8.2, §8.3), applied to a MongoRequest:
// readFilter/writeFilter become extra filter conditions, mergeRequest overwrites body properties,
// projectResponse hides or keeps response fields.
import { randomBytes } from 'node:crypto';
import type { Caller, MongoRequest } from '../api/context.ts';
import { compileProjection } from '../engine/projection.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { MongoPermissions } from './acl.ts';
import type { Account } from './realm.ts';

function pathValue(root: unknown, path: string): unknown {
  let v = root;
  for (const p of path.split('.').filter(Boolean)) v = isPlainObject(v) ? v[p] : undefined;
  return v === undefined ? null : v;
}

interface VarContext {
  account: Account | undefined;
  req: MongoRequest;
  perms: MongoPermissions;
}

/** @user: the account's properties (no password), _id and roles. */
function userOf(account: Account | undefined): Document | undefined {
  return account && { ...account.properties, _id: account.properties._id ?? account.name, roles: account.roles };
}

/** A whole-string variable of §8.3 → its value; other strings are returned unchanged. */
function resolveVariable(s: string, c: VarContext): unknown {
  if (!s.startsWith('@') && !s.startsWith('%')) return s;
  const user = userOf(c.account);
  if (s === '@user') return user ?? null;
  if (s.startsWith('@user.')) return pathValue(user, s.slice(6));
  if (s === '%USER') return c.account?.name ?? null;
  if (s === '%ROLES') return c.account?.roles ?? [];
  if (s === '@now' || s === '%NOW') return new Date(Math.floor(Date.now() / 1000) * 1000);
  if (s === '@filter') return c.req.params.filter ?? {};
  if (s === '@request.body') return c.req.body().value ?? null;
  if (s.startsWith('@request.body.')) return pathValue(c.req.body().value, s.slice(14));
  if (s === '@request') return { remoteIp: null, method: c.req.method, path: c.req.path };
  if (s.startsWith('@request.')) return pathValue({ method: c.req.method, path: c.req.path }, s.slice(9));
  if (s === '@mongoPermissions') return { ...c.perms };
  if (s.startsWith('@mongoPermissions.')) return pathValue({ ...c.perms }, s.slice(18));
  const rnd = /^@rnd\((\d+)\)$/.exec(s);
  if (rnd && Number(rnd[1]) >= 1 && Number(rnd[1]) <= 4096) return randomBytes(Math.ceil(Number(rnd[1]) / 8)).toString('hex');
  const q = /^@qparams\[['"](.+)['"]\]$/.exec(s);
  if (q) return c.req.params.raw.get(q[1]!);
  return s;
}

function resolve(v: unknown, c: VarContext): unknown {
  if (typeof v === 'string') return resolveVariable(v, c);
  if (Array.isArray(v)) return v.map((x) => resolve(x, c));
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) out[k] = resolve(x, c);
  return out;
}

function andFilter(req: MongoRequest, extra: Document): void {
  req.params.filter = req.params.filter ? { $and: [req.params.filter, extra] } : extra;
}

function merge(body: Document, extra: Document): Document {
  const hasOperators = Object.keys(body).some((k) => k.startsWith('$'));
  if (!hasOperators) return { ...body, ...extra };
  const set = isPlainObject(body.$set) ? body.$set : {};
  return { ...body, $set: { ...set, ...extra } };
}

/** A pipeline update gets the values in a last $set stage, as literals ("$x" would read a field). */
function mergePipeline(stages: Document[], extra: Document): Document[] {
  return [...stages, { $set: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { $literal: v }])) }];
}

/** mergeRequest's properties over a request body (also a body a plugin replaces after security). */
export function mergeRequestInto(value: Document | Document[] | undefined, method: string, extra: Document): Document | Document[] {
  // an array is a bulk POST's documents, or a PATCH's update pipeline
  if (!Array.isArray(value)) return merge(value ?? {}, extra);
  return method === 'PATCH' ? mergePipeline(value, extra) : value.map((d) => merge(d, extra));
}

/**
 * The caller as aggregations see it, its permissions resolved on first use (a variable such as
 * @request.body must not be read by every request). A class, not an object literal with a getter:
 * V8 keeps a literal's accessor in a hidden class of its own, allocated in the old generation, so
 * every request's closure, and through it the whole request, outlived the young generation
 * (measured: ~4.7 KB promoted per POST, scavenges 4x longer).
 */
class RequestCaller implements Caller {
  private readonly c: VarContext;
  private resolvedUser: Document | null | undefined;
  private resolvedPermissions: Caller['permissions'] | undefined;

  constructor(c: VarContext) {
    this.c = c;
  }

  /** built on first use, as the permissions: most requests never read it */
  get user(): Document | null {
    return (this.resolvedUser ??= userOf(this.c.account) ?? null);
  }

  get permissions(): Caller['permissions'] {
    const { perms } = this.c;
    const resolved = (d: Document | undefined) => (d === undefined ? undefined : resolve(d, this.c) as Document);
    return (this.resolvedPermissions ??= {
      allowManagementRequests: perms.allowManagementRequests, allowBulkPatch: perms.allowBulkPatch,
      allowBulkDelete: perms.allowBulkDelete, allowWriteMode: perms.allowWriteMode,
      readFilter: resolved(perms.readFilter), writeFilter: resolved(perms.writeFilter),
      mergeRequest: resolved(perms.mergeRequest), projectResponse: perms.projectResponse,
    });
  }
}

export function applyMongoPermissions(req: MongoRequest, perms: MongoPermissions, account: Account | undefined): void {
  const c: VarContext = { account, req, perms };
  req.caller = new RequestCaller(c);
  const reading = req.method === 'GET';
  if (reading && perms.readFilter) andFilter(req, resolve(perms.readFilter, c) as Document);
  if (!reading && perms.writeFilter) andFilter(req, resolve(perms.writeFilter, c) as Document);
  if (!reading && req.method !== 'DELETE' && perms.mergeRequest) {
    const extra = resolve(perms.mergeRequest, c) as Document;
    const original = req.body;
    let merged: ReturnType<typeof original> | undefined;
    req.body = () => {
      if (merged) return merged;
      merged = { value: mergeRequestInto(original().value, req.method, extra) };
      return merged;
    };
  }
  if (reading && perms.projectResponse) {
    const project = compileProjection(perms.projectResponse);
    const previous = req.shape;
    req.shape = previous ? (d) => project(previous(d)) : project;
  }
}
