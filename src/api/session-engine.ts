// The ?sid=&txn= parameters of every MongoDB-API request (API.md §11): the request's engine
// becomes one whose every collection operation carries that session, so the handlers run inside
// the transaction without knowing it. Database-level operations (create/drop) are not part of a
// transaction, as in MongoDB where DDL cannot run in one.
import { HttpError, badRequest } from '../errors.ts';
import type { AggregateOptions, BulkOperation, Collection, Database, Engine, Filter, FindOptions, Session, UpdateOptions, UpdateSpec } from '../engine/types.ts';
import type { Document } from '../engine/values.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A session id as RESTHeart accepts it (a UUID), lower-cased; throws 400 `Invalid session id`. */
export function sessionId(raw: string | undefined): string {
  if (raw === undefined || !UUID.test(raw)) throw badRequest('Invalid session id');
  return raw.toLowerCase();
}

/** The session named by ?sid= (and ?txn=), if any. */
export function requestSession(raw: URLSearchParams): { id: string; txn?: number } | undefined {
  const sid = raw.get('sid');
  if (sid === null) return undefined;
  const id = sessionId(sid);
  const txn = raw.get('txn');
  if (txn === null) return { id };
  if (!/^\d{1,15}$/.test(txn)) throw badRequest('Invalid txn');
  return { id, txn: Number(txn) };
}

export function parseRequestSession(raw: URLSearchParams): { session?: { id: string; txn?: number }; error?: HttpError } {
  try {
    return { session: requestSession(raw) };
  } catch (e) {
    return { error: e as HttpError };
  }
}

class SessionCollection implements Collection {
  private readonly c: Collection;
  private readonly s: Session;

  constructor(c: Collection, s: Session) {
    this.c = c;
    this.s = s;
  }

  get dbName(): string {
    return this.c.dbName;
  }

  get name(): string {
    return this.c.name;
  }

  find(filter: Filter, opts: FindOptions = {}) {
    return this.c.find(filter, { ...opts, session: this.s });
  }

  findAsStored(filter: Filter, opts: FindOptions = {}) {
    return this.c.findAsStored(filter, { ...opts, session: this.s });
  }

  findOne(filter: Filter, opts: FindOptions = {}) {
    return this.c.findOne(filter, { ...opts, session: this.s });
  }

  countDocuments(filter: Filter, opts: { maxTimeMS?: number } = {}) {
    return this.c.countDocuments(filter, { ...opts, session: this.s });
  }

  estimatedDocumentCount() {
    return this.c.estimatedDocumentCount({ session: this.s });
  }

  insertOne(doc: Document) {
    return this.c.insertOne(doc, { session: this.s });
  }

  replaceOne(filter: Filter, doc: Document, opts: UpdateOptions = {}) {
    return this.c.replaceOne(filter, doc, { ...opts, session: this.s });
  }

  updateOne(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}) {
    return this.c.updateOne(filter, update, { ...opts, session: this.s });
  }

  updateMany(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}) {
    return this.c.updateMany(filter, update, { ...opts, session: this.s });
  }

  deleteOne(filter: Filter) {
    return this.c.deleteOne(filter, { session: this.s });
  }

  deleteMany(filter: Filter) {
    return this.c.deleteMany(filter, { session: this.s });
  }

  bulkWrite(ops: BulkOperation[]) {
    return this.c.bulkWrite(ops, { session: this.s });
  }

  aggregate(pipeline: Document[], opts: AggregateOptions = {}) {
    return this.c.aggregate(pipeline, { ...opts, session: this.s });
  }

  listIndexes() {
    return this.c.listIndexes();
  }

  createIndex(...args: Parameters<Collection['createIndex']>) {
    return this.c.createIndex(...args);
  }

  dropIndex(name: string) {
    return this.c.dropIndex(name);
  }

  watch(...args: Parameters<Collection['watch']>) {
    return this.c.watch(...args);
  }
}

/** The engine as seen by a request of session `s`: every collection operation carries it. */
export function withSession(engine: Engine, s: Session): Engine {
  return {
    kind: engine.kind,
    db: (name: string): Database => {
      const db = engine.db(name);
      return {
        name: db.name,
        collection: (c: string) => new SessionCollection(db.collection(c), s),
        listCollections: () => db.listCollections(),
        createCollection: (c: string) => db.createCollection(c),
        dropCollection: (c: string) => db.dropCollection(c),
        dropDatabase: () => db.dropDatabase(),
        // GridFS bytes are not part of a transaction (RESTHeart uploads without the session too)
        bucket: (b: string) => db.bucket(b),
        watch: (...args: Parameters<Database['watch']>) => db.watch(...args),
      };
    },
    listDatabases: () => engine.listDatabases(),
    ping: () => engine.ping(),
    close: () => engine.close(),
    supportsTransactions: () => engine.supportsTransactions(),
    startSession: () => engine.startSession(),
    session: (id: string, txn?: number) => engine.session(id, txn),
    trimCaches: () => engine.trimCaches(),
  };
}
