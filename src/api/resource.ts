// Resource types of the MongoDB API (API.md §1.1): a mongo resource path → a typed resource.
import { HttpError, badRequest, forbidden } from '../errors.ts';

// defined once, in the plugin types module (which must stay self-contained for plugin authors)
import type { ResourceType } from '../plugins/api.ts';

export type { ResourceType };

export interface Resource {
  type: ResourceType;
  db?: string;
  coll?: string;
  /** the raw (decoded) id segment of a document, file or schema */
  docId?: string;
  /** index name, aggregation uri, stream uri, session id or txn id */
  name?: string;
  txn?: string;
}

/** Methods each type accepts (OPTIONS is answered before this is consulted). */
export const METHODS: Record<ResourceType, string[]> = {
  ROOT: ['GET'], ROOT_SIZE: ['GET'],
  DB: ['GET', 'PUT', 'PATCH', 'DELETE'], DB_SIZE: ['GET'], DB_META: ['GET'],
  COLLECTION: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], COLLECTION_SIZE: ['GET'], COLLECTION_META: ['GET'],
  DOCUMENT: ['GET', 'PUT', 'PATCH', 'DELETE'], BULK_DOCUMENTS: ['PATCH', 'DELETE'],
  COLLECTION_INDEXES: ['GET'], INDEX: ['PUT', 'DELETE'], AGGREGATION: ['GET'], CHANGE_STREAM: ['GET'],
  FILES_BUCKET: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], FILES_BUCKET_SIZE: ['GET'], FILES_BUCKET_META: ['GET'],
  FILE: ['GET', 'PUT', 'PATCH', 'DELETE'], FILE_BINARY: ['GET'], BULK_FILES: ['DELETE'],
  SCHEMA_STORE: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], SCHEMA_STORE_SIZE: ['GET'], SCHEMA_STORE_META: ['GET'],
  SCHEMA: ['GET', 'PUT', 'DELETE'], BULK_SCHEMAS: ['PATCH', 'DELETE'],
  SESSIONS: ['POST'], SESSION: ['DELETE'], TRANSACTIONS: ['GET', 'POST'], TRANSACTION: ['PATCH', 'DELETE'],
  INVALID: [],
};

const is = (seg: string | undefined, kw: string) => seg !== undefined && seg.toLowerCase() === kw;

function bucketOrColl(coll: string, collType: ResourceType, bucketType: ResourceType, schemaType: ResourceType): ResourceType {
  if (coll.endsWith('.files')) return bucketType;
  if (is(coll, '_schemas')) return schemaType;
  return collType;
}

/** Splits a raw mongo path into decoded segments; `%2F` inside a segment becomes `/`. */
export function decodeSegments(rawPath: string): string[] {
  const parts = rawPath.split('/').filter((s) => s !== '');
  try {
    return parts.map((s) => (s.includes('%') ? decodeURIComponent(s) : s));
  } catch {
    throw badRequest('illegal path: invalid percent-encoding');
  }
}

export function resolveResource(segs: string[]): Resource {
  const [db, coll, third, fourth] = segs;
  const n = segs.length;
  const last = segs[n - 1];
  if (n >= 1 && is(last, '_size')) {
    if (n === 1) return { type: 'ROOT_SIZE' };
    if (n === 2) return { type: 'DB_SIZE', db };
    if (n === 3) return { type: bucketOrColl(coll!, 'COLLECTION_SIZE', 'FILES_BUCKET_SIZE', 'SCHEMA_STORE_SIZE'), db, coll };
    return { type: 'INVALID' };
  }
  if (n >= 2 && is(last, '_meta')) {
    if (n === 2) return { type: 'DB_META', db };
    if (n === 3) return { type: bucketOrColl(coll!, 'COLLECTION_META', 'FILES_BUCKET_META', 'SCHEMA_STORE_META'), db, coll };
    return { type: 'INVALID' };
  }
  if (n === 0) return { type: 'ROOT' };
  if (is(db, '_sessions')) {
    if (n === 1) return { type: 'SESSIONS' };
    if (n === 2) return { type: 'SESSION', name: coll };
    if (n === 3 && is(third, '_txns')) return { type: 'TRANSACTIONS', name: coll };
    if (n === 4 && is(third, '_txns')) return { type: 'TRANSACTION', name: coll, txn: fourth };
    return { type: 'INVALID' };
  }
  if (n === 1) return { type: 'DB', db };
  if (n === 2) return { type: bucketOrColl(coll!, 'COLLECTION', 'FILES_BUCKET', 'SCHEMA_STORE'), db, coll };
  const bucket = coll!.endsWith('.files');
  const schemas = is(coll, '_schemas');
  if (third === '*') {
    return { type: bucket ? 'BULK_FILES' : schemas ? 'BULK_SCHEMAS' : 'BULK_DOCUMENTS', db, coll };
  }
  if (!bucket && !schemas) {
    if (is(third, '_indexes')) return n === 3 ? { type: 'COLLECTION_INDEXES', db, coll } : n === 4 ? { type: 'INDEX', db, coll, name: fourth } : { type: 'INVALID' };
    if (is(third, '_aggrs')) return n === 4 ? { type: 'AGGREGATION', db, coll, name: fourth } : { type: 'INVALID' };
    if (is(third, '_streams')) return n === 4 ? { type: 'CHANGE_STREAM', db, coll, name: fourth } : { type: 'INVALID' };
    return { type: 'DOCUMENT', db, coll, docId: third };
  }
  if (bucket && n >= 4 && is(fourth, 'binary')) return { type: 'FILE_BINARY', db, coll, docId: third };
  return { type: bucket ? 'FILE' : 'SCHEMA', db, coll, docId: third };
}

const DB_ILLEGAL = /[\u0000 /\\."$]/;
const NAMES_LINK = 'see https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions';
const RESERVED_DBS = new Set(['admin', 'config', 'local']);

/** Name checks of API.md §1.1: illegal names → 400, reserved resources → 403. */
export function checkNames(r: Resource): HttpError | undefined {
  if (r.db !== undefined) {
    if (r.db.length === 0 || r.db.length > 64 || DB_ILLEGAL.test(r.db)) return badRequest(`illegal database name, ${NAMES_LINK}`);
    if (RESERVED_DBS.has(r.db.toLowerCase()) || r.db.startsWith('system.')) return forbidden('reserved resource');
  }
  if (r.coll !== undefined) {
    if (/[\u0000$]/.test(r.coll) && !is(r.coll, '_schemas')) return badRequest(`illegal collection name, ${NAMES_LINK}`);
    if (r.coll === '' || r.coll.startsWith('system.') || r.coll.endsWith('.chunks') || r.coll === '_properties') {
      return forbidden('reserved resource');
    }
  }
  if (r.docId !== undefined && (r.docId === '_properties' || r.docId.startsWith('_properties.'))) return forbidden('reserved resource');
  if (r.type === 'TRANSACTION' && !/^\d+$/.test(r.txn ?? '')) return badRequest('illegal txnId: it must be a number');
  return undefined;
}
