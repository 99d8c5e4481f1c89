// The wire shim's CRUD and catalog commands over the embedded engine (shim.ts dispatches to
// them). Each runs in the session the command's transaction fields name (transactions.ts), or in
// none. Replies follow MongoDB's command reply shapes.
import { Long } from 'bson';
import { isOperatorUpdate } from '../../../src/engine/update.ts';
import type { Collection, Database, Engine, Filter, FindOptions, Session, Sort } from '../../../src/engine/types.ts';
import { isPlainObject, numberOf, type Document } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { codeName } from '../../../src/engine/mongodb/mapping.ts';

export const num = (v: unknown, dflt = 0) => (v === undefined || v === null ? dflt : numberOf(v));
export const bool = (v: unknown) => v === true || (v !== undefined && v !== null && v !== false && num(v) !== 0);

const WRITE_CONFLICT = 112;
const NO_SUCH_TRANSACTION = 251;

function sortOf(spec: unknown): Sort | undefined {
  if (!isPlainObject(spec)) return undefined;
  const out = Object.entries(spec).map(([k, v]) => [k, num(v) < 0 ? -1 : 1] as [string, 1 | -1]);
  return out.length ? out : undefined;
}

export function errorReply(e: unknown): Document {
  if (e instanceof EngineError) return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName };
  return { ok: 0, errmsg: (e as Error).message ?? String(e), code: 8, codeName: 'UnknownError' };
}

export function cursorReply(ns: string, docs: Document[]): Document {
  return { cursor: { id: Long.fromNumber(0), ns, firstBatch: docs } };
}

/** What a command runs against: its namespace and the transaction it belongs to, if any. */
export interface Target {
  engine: Engine;
  db: Database;
  coll: Collection;
  dbName: string;
  collName: string;
  ns: string;
  session: Session | undefined;
}

/**
 * One statement's failure: a write error, except in a transaction where MongoDB answers a write
 * conflict and a transaction no longer in progress as the whole command's error.
 */
function statementError(t: Target, index: number, e: unknown): Document {
  if (t.session && e instanceof EngineError && (e.code === WRITE_CONFLICT || e.code === NO_SUCH_TRANSACTION)) throw e;
  const r = errorReply(e);
  return { index, code: r.code, errmsg: r.errmsg };
}

export async function crud(name: string, body: Document, t: Target): Promise<Document | undefined> {
  const { db, coll, ns, collName, dbName, session } = t;
  switch (name) {
    case 'find': {
      const opts: FindOptions = { sort: sortOf(body.sort), skip: num(body.skip), limit: Math.abs(num(body.limit)), session };
      if (isPlainObject(body.projection)) opts.projection = body.projection;
      if (body.hint !== undefined) opts.hint = body.hint as string | Document;
      if (body.maxTimeMS !== undefined) opts.maxTimeMS = num(body.maxTimeMS);
      return cursorReply(ns, await coll.find((body.filter ?? {}) as Filter, opts));
    }
    case 'aggregate': {
      const opts = { allowDiskUse: bool(body.allowDiskUse), session, ...(body.maxTimeMS !== undefined ? { maxTimeMS: num(body.maxTimeMS) } : {}) };
      return cursorReply(ns, await coll.aggregate(body.pipeline as Document[], opts));
    }
    case 'count':
      return { n: await coll.countDocuments((body.query ?? {}) as Filter, { session }) };
    case 'insert': {
      const docs = body.documents as Document[];
      const ordered = body.ordered === undefined || bool(body.ordered);
      if (!ordered) {
        // one engine write for the whole batch (the embedded engine's bulk writes are unordered)
        const r = await coll.bulkWrite(docs.map((document) => ({ insertOne: { document } })), { session });
        const errors = r.writeErrors.map((w) => statementError(t, w.index, new EngineError(w.code, codeName(w.code), w.message)));
        return errors.length ? { n: r.insertedCount, writeErrors: errors } : { n: r.insertedCount };
      }
      const writeErrors: Document[] = [];
      let n = 0;
      for (const [index, doc] of docs.entries()) {
        try {
          await coll.insertOne(doc, { session });
          n++;
        } catch (e) {
          writeErrors.push(statementError(t, index, e));
          break;
        }
      }
      return writeErrors.length ? { n, writeErrors } : { n };
    }
    case 'update': {
      const ordered = body.ordered === undefined || bool(body.ordered);
      const writeErrors: Document[] = [];
      const upserted: Document[] = [];
      let n = 0;
      let nModified = 0;
      for (const [index, st] of (body.updates as Document[]).entries()) {
        try {
          const q = (st.q ?? {}) as Filter;
          const u = st.u as Document | Document[];
          const opts = { upsert: bool(st.upsert), session, ...(Array.isArray(st.arrayFilters) ? { arrayFilters: st.arrayFilters as Document[] } : {}) };
          const r = !Array.isArray(u) && !isOperatorUpdate(u)
            ? await coll.replaceOne(q, u, opts)
            : bool(st.multi) ? await coll.updateMany(q, u, opts) : await coll.updateOne(q, u, opts);
          n += r.matchedCount + r.upsertedCount;
          nModified += r.modifiedCount;
          if (r.upsertedCount) upserted.push({ index, _id: r.upsertedId });
        } catch (e) {
          writeErrors.push(statementError(t, index, e));
          if (ordered) break;
        }
      }
      return { n, nModified, ...(upserted.length ? { upserted } : {}), ...(writeErrors.length ? { writeErrors } : {}) };
    }
    case 'delete': {
      const ordered = body.ordered === undefined || bool(body.ordered);
      const writeErrors: Document[] = [];
      let n = 0;
      for (const [index, st] of (body.deletes as Document[]).entries()) {
        try {
          const q = (st.q ?? {}) as Filter;
          n += (num(st.limit) === 1 ? await coll.deleteOne(q, { session }) : await coll.deleteMany(q, { session })).deletedCount;
        } catch (e) {
          writeErrors.push(statementError(t, index, e));
          if (ordered) break;
        }
      }
      return writeErrors.length ? { n, writeErrors } : { n };
    }
    case 'createindexes': {
      const before = (await coll.listIndexes()).length;
      const existed = (await db.listCollections()).includes(collName);
      for (const spec of body.indexes as Document[]) await coll.createIndex(spec as never);
      return { numIndexesBefore: existed ? before : 1, numIndexesAfter: (await coll.listIndexes()).length, createdCollectionAutomatically: !existed };
    }
    case 'listindexes':
      if (!(await db.listCollections()).includes(collName)) throw new EngineError(26, 'NamespaceNotFound', `ns does not exist: ${ns}`);
      return cursorReply(ns, await coll.listIndexes());
    case 'dropindexes':
      if (!(await db.listCollections()).includes(collName)) throw new EngineError(26, 'NamespaceNotFound', `ns not found ${ns}`);
      await coll.dropIndex(String(body.index));
      return { nIndexesWas: 2 };
    case 'listcollections': {
      const filter = isPlainObject(body.filter) ? body.filter : {};
      const names = (await db.listCollections()).filter((n) => filter.name === undefined || filter.name === n);
      return cursorReply(`${dbName}.$cmd.listCollections`, names.map((n) => ({ name: n, type: 'collection' })));
    }
    case 'create':
      if ((await db.listCollections()).includes(collName)) throw new EngineError(48, 'NamespaceExists', `Collection ${ns} already exists.`);
      await db.createCollection(collName);
      return {};
    case 'drop':
      if (!(await db.dropCollection(collName))) throw new EngineError(26, 'NamespaceNotFound', 'ns not found');
      return { ns, nIndexesWas: 1 };
    case 'dropdatabase':
      await db.dropDatabase();
      return { dropped: dbName };
    case 'listdatabases':
      return { databases: (await t.engine.listDatabases()).map((n) => ({ name: n, sizeOnDisk: 0, empty: false })), totalSize: 0 };
    default:
      return undefined;
  }
}
