// What the OpenAPI document lists of the MongoDB API: the databases and collections that exist,
// reached through the mongo-mounts (API.md §1.2), each with its metadata and the operations the
// caller's ACL allows. A resource the caller may do nothing with is not listed at all.
import { Mounts } from '../api/mounts.ts';
import type { ResourceType } from '../api/resource.ts';
import type { Engine } from '../engine/types.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { Settings } from '../settings.ts';

/** Whether the caller's ACL allows `method` on the request path (a resource of type `type`). */
export type Permits = (method: string, path: string, type: ResourceType | undefined) => Promise<boolean>;

export type CollectionKind = 'collection' | 'bucket' | 'schemas';

/** An operation the caller may send, by name (mongo-paths.ts turns each into an OpenAPI operation). */
export type CollectionOp =
  | 'list' | 'insert' | 'read' | 'replace' | 'update' | 'delete' | 'bulkUpdate' | 'bulkDelete'
  | 'createColl' | 'updateColl' | 'dropColl' | 'indexes';

export interface CollectionEntry {
  db: string;
  coll: string;
  kind: CollectionKind;
  /** request path of the collection (segments percent-encoded) */
  path: string;
  /** the collection's metadata (aggrs unescaped); null without one */
  props: Document | null;
  ops: Set<CollectionOp>;
  /** aggregation uris the caller may run */
  aggregations: string[];
  /** change stream uris the caller may open */
  streams: string[];
}

export interface DbEntry {
  db: string;
  path: string;
  list: boolean;
  manage: boolean;
  collections: CollectionEntry[];
}

export interface Catalog {
  /** request path of the root resource (GET / lists databases), when a mount exposes every database */
  root?: string;
  dbs: DbEntry[];
  sessions: boolean;
}

const RESERVED_DBS = new Set(['admin', 'config', 'local']);

const enc = (s: string) => encodeURIComponent(s);

function joinPath(...parts: string[]): string {
  const segs = parts.flatMap((p) => p.split('/')).filter((s) => s !== '');
  return `/${segs.join('/')}`;
}

function listedColl(name: string): boolean {
  return !(name === '_properties' || name.startsWith('system.') || name.endsWith('.chunks'));
}

function kindOf(coll: string): CollectionKind {
  return coll.endsWith('.files') ? 'bucket' : coll.toLowerCase() === '_schemas' ? 'schemas' : 'collection';
}

/** The uris of a metadata list (`aggrs`, `streams`): read leniently, a broken definition answers 422 when used. */
function uris(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isPlainObject).map((d) => d.uri).filter((u): u is string => typeof u === 'string' && u !== '');
}

/** The mounts as (mongo db, mongo coll?) → request path; null when a mount exposes every database. */
interface Exposure {
  dbPath: (db: string) => string | undefined;
  collPath: (db: string, coll: string) => string | undefined;
  dbs: (all: string[]) => string[];
  root?: string;
}

function exposure(settings: Settings): Exposure {
  const mounts = new Mounts(settings.mounts, settings.mongoUri);
  // a path is kept only when the router resolves it back to the same resource (a longer mount may shadow it)
  const resolvesTo = (path: string, mongoPath: string) => mounts.resolve(path)?.mongoPath === mongoPath;
  const base = settings.mongoUri || '/';
  const candidates = settings.mounts.filter((m) => m.where.startsWith('/') && !m.where.includes('{'));
  const pathsOf = (db: string, coll?: string): string[] => {
    const out: string[] = [];
    for (const m of candidates) {
      const where = joinPath(base, m.where);
      if (m.what === '*') out.push(joinPath(where, enc(db), coll === undefined ? '' : enc(coll)));
      else {
        const [wdb, wcoll, ...more] = m.what.split('/').filter(Boolean);
        if (more.length || wdb !== db) continue;
        if (wcoll === undefined) out.push(joinPath(where, coll === undefined ? '' : enc(coll)));
        else if (coll === wcoll) out.push(where);
      }
    }
    const mongoPath = joinPath(enc(db), coll === undefined ? '' : enc(coll));
    return out.filter((p) => resolvesTo(p, mongoPath));
  };
  const everyDb = candidates.some((m) => m.what === '*');
  const named = new Set(candidates.filter((m) => m.what !== '*').map((m) => m.what.split('/').filter(Boolean)[0]!).filter(Boolean));
  const rootMount = candidates.find((m) => m.what === '*');
  const rootPath = rootMount ? joinPath(base, rootMount.where) : undefined;
  return {
    dbPath: (db) => pathsOf(db)[0],
    collPath: (db, coll) => pathsOf(db, coll)[0],
    dbs: (all) => all.filter((d) => everyDb || named.has(d)),
    ...(rootPath !== undefined && resolvesTo(rootPath, '/') ? { root: rootPath } : {}),
  };
}

async function collectionEntry(db: string, coll: string, path: string, props: Document | null, permits: Permits): Promise<CollectionEntry | undefined> {
  const kind = kindOf(coll);
  const collType: ResourceType = kind === 'bucket' ? 'FILES_BUCKET' : kind === 'schemas' ? 'SCHEMA_STORE' : 'COLLECTION';
  const docType: ResourceType = kind === 'bucket' ? 'FILE' : kind === 'schemas' ? 'SCHEMA' : 'DOCUMENT';
  const bulkType: ResourceType = kind === 'bucket' ? 'BULK_FILES' : kind === 'schemas' ? 'BULK_SCHEMAS' : 'BULK_DOCUMENTS';
  const doc = `${path}/{id}`;
  const probes: Array<[CollectionOp, string, string, ResourceType]> = [
    ['list', 'GET', path, collType], ['insert', 'POST', path, collType],
    ['read', 'GET', doc, docType], ['replace', 'PUT', doc, docType], ['update', 'PATCH', doc, docType], ['delete', 'DELETE', doc, docType],
    ['bulkUpdate', 'PATCH', `${path}/*`, bulkType], ['bulkDelete', 'DELETE', `${path}/*`, bulkType],
    ['createColl', 'PUT', path, collType], ['updateColl', 'PATCH', path, collType], ['dropColl', 'DELETE', path, collType],
  ];
  if (kind === 'collection') probes.push(['indexes', 'GET', `${path}/_indexes`, 'COLLECTION_INDEXES']);
  const allowed = await Promise.all(probes.map(([, m, p, t]) => permits(m, p, t)));
  const ops = new Set(probes.filter((_, i) => allowed[i]).map(([op]) => op));
  const aggregations: string[] = [];
  const streams: string[] = [];
  if (kind === 'collection') {
    for (const uri of uris(props?.aggrs)) if (await permits('GET', `${path}/_aggrs/${enc(uri)}`, 'AGGREGATION')) aggregations.push(uri);
    for (const uri of uris(props?.streams)) if (await permits('GET', `${path}/_streams/${enc(uri)}`, 'CHANGE_STREAM')) streams.push(uri);
  }
  if (ops.size === 0 && aggregations.length === 0 && streams.length === 0) return undefined;
  return { db, coll, kind, path, props, ops, aggregations, streams };
}

/** The catalog as the caller may see it, sorted by name. */
export async function readCatalog(settings: Settings, engine: Engine, permits: Permits): Promise<Catalog> {
  const ex = exposure(settings);
  const catalog: Catalog = { dbs: [], sessions: await permits('POST', '/_sessions', 'SESSIONS') };
  if (ex.root !== undefined && (await permits('GET', ex.root, 'ROOT'))) catalog.root = ex.root;
  const dbNames = ex.dbs((await engine.listDatabases()).filter((d) => !RESERVED_DBS.has(d.toLowerCase()) && !d.startsWith('system.'))).sort();
  for (const db of dbNames) {
    const colls = (await engine.db(db).listCollections()).filter(listedColl).sort();
    const props = new Map<string, Document>();
    if (colls.length) {
      for (const d of await engine.db(db).collection('_properties').find({})) if (typeof d._id === 'string') props.set(d._id, d);
    }
    const entry: DbEntry = { db, path: '', list: false, manage: false, collections: [] };
    const dbPath = ex.dbPath(db);
    if (dbPath !== undefined) {
      entry.path = dbPath;
      entry.list = await permits('GET', dbPath, 'DB');
      entry.manage = await permits('PUT', dbPath, 'DB');
    }
    for (const coll of colls) {
      const path = ex.collPath(db, coll);
      if (path === undefined) continue;
      const p = props.get(`_properties.${coll}`) ?? null;
      const c = await collectionEntry(db, coll, path, p, permits);
      if (c) entry.collections.push(c);
    }
    if (entry.list || entry.manage || entry.collections.length) catalog.dbs.push(entry);
  }
  return catalog;
}
