// ACL authorizers (SECURITY.md §6.1, §6.2, §8.1): permissions from a collection (mongoAclAuthorizer)
// or the configuration (fileAclAuthorizer), evaluated per role in priority order; the first
// permission whose predicate and `mongo` flags match allows the request.
import { getBool, getList, getNumber, getString, section, type Config, type ConfigTree } from '../config/load.ts';
import type { Engine } from '../engine/types.ts';
import { compareValues, isPlainObject, numberOf, isNumeric, toView, type Document } from '../engine/values.ts';
import { parseJson } from '../json/parse.ts';
import type { ResourceType } from '../api/resource.ts';
import { compilePredicate, interpolate, type Predicate, type PredicateRequest } from './predicates.ts';
import type { Account } from './realm.ts';

export interface MongoPermissions {
  allowManagementRequests: boolean;
  allowBulkPatch: boolean;
  allowBulkDelete: boolean;
  allowWriteMode: boolean;
  readFilter?: Document;
  writeFilter?: Document;
  mergeRequest?: Document;
  projectResponse?: Document;
}

export interface Permission {
  id: unknown;
  roles: string[];
  predicate: string;
  priority: number | undefined;
  mongo: MongoPermissions | null;
}

export interface AclRequest extends PredicateRequest {
  /** the MongoDB resource type, when the request targets the MongoDB API */
  resourceType?: ResourceType;
}

export const ALLOW_ALL: MongoPermissions = {
  allowManagementRequests: true, allowBulkPatch: true, allowBulkDelete: true, allowWriteMode: true,
};

const MANAGEMENT_ANY = new Set<ResourceType>(['COLLECTION_INDEXES', 'INDEX', 'SCHEMA_STORE', 'SCHEMA', 'SCHEMA_STORE_SIZE', 'BULK_SCHEMAS']);
const META = new Set<ResourceType>(['DB_META', 'COLLECTION_META', 'FILES_BUCKET_META', 'SCHEMA_STORE_META']);
const WRITE_MODE_TARGETS = new Set<ResourceType>(['DOCUMENT', 'FILE', 'SCHEMA', 'COLLECTION', 'FILES_BUCKET', 'SCHEMA_STORE']);

function isManagement(t: ResourceType, method: string): boolean {
  if (MANAGEMENT_ANY.has(t) || (META.has(t) && method === 'GET')) return true;
  if (t === 'DB') return method !== 'GET';
  if (t === 'COLLECTION' || t === 'FILES_BUCKET') return method === 'PUT' || method === 'PATCH' || method === 'DELETE';
  return false;
}

/** The `mongo` flags of §8.1: without the flag, the permission does not match such a request. */
function flagsAllow(m: MongoPermissions | null, req: AclRequest): boolean {
  const t = req.resourceType;
  if (!t) return true;
  const p = m ?? { allowManagementRequests: false, allowBulkPatch: false, allowBulkDelete: false, allowWriteMode: false };
  if (!p.allowManagementRequests && isManagement(t, req.method)) return false;
  if (!p.allowBulkPatch && t === 'BULK_DOCUMENTS' && req.method === 'PATCH') return false;
  if (!p.allowBulkDelete && t === 'BULK_DOCUMENTS' && req.method === 'DELETE') return false;
  const writes = req.method === 'PUT' || req.method === 'PATCH' || (req.method === 'POST' && t !== 'DOCUMENT');
  if (!p.allowWriteMode && writes && WRITE_MODE_TARGETS.has(t) && (req.query.has('wm') || req.query.has('writeMode'))) return false;
  return true;
}

/** readFilter/writeFilter keys may be stored escaped (`_$or`): a leading `_$` becomes `$`. */
function unescapeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unescapeKeys);
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) out[k.startsWith('_$') ? k.slice(1) : k] = unescapeKeys(x);
  return out;
}

function objectOption(v: unknown): Document | undefined {
  const parsed = typeof v === 'string' ? parseJson(v) : v;
  return isPlainObject(parsed) ? (unescapeKeys(parsed) as Document) : undefined;
}

function mongoPermissions(v: unknown): MongoPermissions | null {
  if (!isPlainObject(v)) return null;
  const flag = (k: string) => v[k] === true || v[k] === 'true';
  const out: MongoPermissions = {
    allowManagementRequests: flag('allowManagementRequests'), allowBulkPatch: flag('allowBulkPatch'),
    allowBulkDelete: flag('allowBulkDelete'), allowWriteMode: flag('allowWriteMode'),
  };
  for (const k of ['readFilter', 'writeFilter', 'mergeRequest', 'projectResponse'] as const) {
    const o = objectOption(v[k]);
    if (o) out[k] = o;
  }
  if (out.projectResponse) {
    const values = new Set(Object.values(out.projectResponse).map((x) => (isNumeric(x) ? numberOf(x) : x) === 0 || x === false));
    if (values.size > 1) throw new Error('projectResponse mixes inclusion and exclusion');
  }
  return out;
}

/** A permission from a document or a config entry; undefined (skipped with a warning) when invalid. */
export function permissionOf(raw: Document, warn: (m: string) => void): Permission | undefined {
  const roles = Array.isArray(raw.roles) ? raw.roles : typeof raw.role === 'string' ? [raw.role] : [];
  const id = raw._id ?? raw.id;
  if (roles.length === 0 || roles.some((r) => typeof r !== 'string') || typeof raw.predicate !== 'string') {
    warn(`invalid ACL permission ${JSON.stringify(toView(id))}: roles and predicate are required`);
    return undefined;
  }
  try {
    if (!raw.predicate.includes('@')) compilePredicate(raw.predicate);
    const priority = isNumeric(raw.priority) ? numberOf(raw.priority) : typeof raw.priority === 'number' ? raw.priority : undefined;
    return { id, roles: roles as string[], predicate: raw.predicate, priority, mongo: mongoPermissions(raw.mongo) };
  } catch (e) {
    warn(`invalid ACL permission ${JSON.stringify(toView(id))}: ${(e as Error).message}`);
    return undefined;
  }
}

export interface PermissionSource {
  load(): Promise<Permission[]>;
  /** mongo: higher priority first; file: lower first (RESTHeart's own inconsistency, kept). */
  readonly descending: boolean;
}

export class Acl {
  readonly rootRole: string | null;
  private readonly source: PermissionSource;
  private readonly ttl: number;
  private cached: { byRole: Map<string, Permission[]>; until: number } | undefined;
  private readonly compiled = new Map<string, Predicate>();

  private readonly location: { db: string; coll: string } | undefined;

  constructor(source: PermissionSource, rootRole: string | null, ttl: number, location?: { db: string; coll: string }) {
    this.source = source;
    this.rootRole = rootRole;
    this.ttl = ttl;
    this.location = location;
  }

  /** True when db.coll is where the permissions are stored (a write there must drop the cache). */
  holds(db: string | undefined, coll: string | undefined): boolean {
    return !!this.location && this.location.db === db && this.location.coll === coll;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async byRole(): Promise<Map<string, Permission[]>> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.byRole;
    const perms = await this.source.load();
    const dir = this.source.descending ? -1 : 1;
    perms.sort((a, b) => {
      if (a.priority === undefined || b.priority === undefined) return a.priority === b.priority ? -compareValues(a.id, b.id) : a.priority === undefined ? 1 : -1;
      return a.priority !== b.priority ? dir * (a.priority - b.priority) : -compareValues(a.id, b.id);
    });
    const byRole = new Map<string, Permission[]>();
    for (const p of perms) for (const r of p.roles) (byRole.get(r) ?? byRole.set(r, []).get(r)!).push(p);
    this.cached = { byRole, until: Date.now() + this.ttl };
    return byRole;
  }

  private predicate(p: Permission, account: Account | undefined, body: unknown): Predicate {
    const text = p.predicate.includes('@') ? interpolate(p.predicate, account?.properties && { ...account.properties, _id: account.properties._id ?? account.name, userid: account.name, roles: account.roles }, body) : p.predicate;
    let fn = this.compiled.get(text);
    if (!fn) {
      if (this.compiled.size > 5000) this.compiled.clear();
      fn = compilePredicate(text);
      this.compiled.set(text, fn);
    }
    return fn;
  }

  private matches(p: Permission, req: AclRequest, account: Account | undefined): boolean {
    try {
      return this.predicate(p, account, req.body)(req, new Map()) && flagsAllow(p.mongo, req);
    } catch {
      return false;
    }
  }

  /** The permission that allows the request, or undefined (deny). */
  async authorize(lazyReq: () => AclRequest, account: Account | undefined): Promise<MongoPermissions | undefined> {
    if (account && this.rootRole !== null && account.roles.includes(this.rootRole)) return ALLOW_ALL;
    const req = lazyReq();
    if (req.method === 'OPTIONS') return ALLOW_ALL;
    const byRole = await this.byRole();
    for (const role of account ? account.roles : ['$unauthenticated']) {
      for (const p of byRole.get(role) ?? []) if (this.matches(p, req, account)) return p.mongo ?? { ...ALLOW_ALL, allowManagementRequests: false, allowBulkPatch: false, allowBulkDelete: false, allowWriteMode: false };
    }
    return undefined;
  }

  /** Authentication is required unless an $unauthenticated permission matches (or OPTIONS). */
  async authenticationRequired(req: AclRequest): Promise<boolean> {
    if (req.method === 'OPTIONS') return false;
    for (const p of (await this.byRole()).get('$unauthenticated') ?? []) if (this.matches(p, req, undefined)) return false;
    return true;
  }
}

export function aclOf(cfg: Config, engine: Engine, warn: (m: string) => void): Acl | undefined {
  const mongo = section(cfg, 'mongoAclAuthorizer');
  if (getBool(mongo, 'enabled', true)) {
    const db = getString(mongo, 'acl-db', 'restheart');
    const coll = getString(mongo, 'acl-collection', 'acl');
    const source: PermissionSource = {
      descending: true,
      load: async () => (await engine.db(db).collection(coll).find({})).map((d) => permissionOf(d, warn)).filter((p): p is Permission => !!p),
    };
    const ttl = getBool(mongo, 'cache-enabled', true) ? getNumber(mongo, 'cache-ttl', 5000) : 0;
    return new Acl(source, getString(mongo, 'root-role', 'admin'), ttl, { db, coll });
  }
  const file: ConfigTree = section(cfg, 'fileAclAuthorizer');
  if (getBool(file, 'enabled', false)) {
    const perms = getList(file, 'permissions', []).filter((d): d is Document => isPlainObject(d)).map((d) => permissionOf(d as Document, warn)).filter((p): p is Permission => !!p);
    return new Acl({ descending: false, load: async () => perms }, null, 60_000);
  }
  return undefined;
}
