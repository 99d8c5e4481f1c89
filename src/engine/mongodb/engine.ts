// The MongoDB engine: the engine interface (types.ts) over the official driver, one call each.
// MongoDB decides every semantic; this file only converts values (mapping.ts) and errors.
//
// One MongoClient for the process. It reconnects by itself after a lost connection: operations
// meanwhile fail after serverSelectionTimeoutMS with EngineError HostUnreachable (HTTP 503), and
// succeed again once MongoDB is back. Nothing here caches a connection or a cursor.
import { MongoClient, type ClientSession, type Collection as DriverCollection, type Db } from 'mongodb';
import { EngineError } from '../../errors.ts';
import { randomUUID } from 'node:crypto';
import type {
  AggregateOptions, Bucket, BulkOperation, BulkResult, ChangeStream, ChangeStreamOptions, Collection, Database, DeleteResult, Engine, Filter, FindOptions, IndexSpec, Session,
  SessionOption, UpdateOptions, UpdateResult, UpdateSpec,
} from '../types.ts';
import { listedIndex } from '../index-spec.ts';
import type { Document } from '../values.ts';
import { RawDocument } from '../../json/bson-json.ts';
import {
  bulkOperations, bulkResult, clientOptions, engineErrorOf, findOptions, fromRaw, redactUri, toExact, withIdFirst,
  type DriverBulkReport, type DriverWriteError,
} from './mapping.ts';
import { MongoBucket } from './bucket.ts';
import { MongoSession, MongoSessions, type Probe } from './sessions.ts';
import { MongoChangeStream } from './watch.ts';
import { afterCloseCallbacks } from './phase.ts';

const NAMESPACE_NOT_FOUND = 26;
const NAMESPACE_EXISTS = 48;

async function run<T>(op: () => Promise<T>): Promise<T> {
  try {
    await afterCloseCallbacks();
    return await op();
  } catch (e) {
    throw engineErrorOf(e);
  }
}

function isCode(e: unknown, code: number): boolean {
  return e instanceof EngineError && e.code === code;
}

class MongoCollection implements Collection {
  readonly dbName: string;
  readonly name: string;
  private readonly c: DriverCollection<Document>;
  private readonly sessions: MongoSessions;

  constructor(db: Db, dbName: string, name: string, sessions: MongoSessions) {
    this.dbName = dbName;
    this.name = name;
    this.c = db.collection<Document>(name);
    this.sessions = sessions;
  }

  /** A read in a transaction that matches nothing (an empty $in: no scan): whether the server still holds it. */
  private readonly probe: Probe = (session) => this.c.findOne({ _id: { $in: [] } }, { session, projection: { _id: 1 } });

  /** Runs a driver call in the transaction the options name, if any (sessions.ts). */
  private inSession<T>(opts: SessionOption | undefined, op: (s: { session?: ClientSession }) => Promise<T>): Promise<T> {
    return run(async () => {
      const s = this.sessions.optionOf(opts, this.probe);
      try {
        return await op(s);
      } catch (e) {
        await this.sessions.failed(opts, engineErrorOf(e));
        throw e;
      }
    });
  }

  /** The documents' BSON as the driver returns it (findOptions asks for `raw: true`). */
  private findRaw(filter: Filter, opts?: FindOptions): Promise<Uint8Array[]> {
    return this.inSession(opts, async (s) => (await this.c.find(filter, { ...findOptions(opts), ...s }).toArray()) as unknown as Uint8Array[]);
  }

  async find(filter: Filter, opts?: FindOptions): Promise<Document[]> {
    return (await this.findRaw(filter, opts)).map(fromRaw);
  }

  async findAsStored(filter: Filter, opts?: FindOptions): Promise<Array<Document | RawDocument>> {
    return (await this.findRaw(filter, opts)).map((b) => new RawDocument(b));
  }

  findOne(filter: Filter, opts?: FindOptions): Promise<Document | null> {
    return this.inSession(opts, async (s) => {
      const raw = await this.c.findOne(filter, { ...findOptions(opts), ...s });
      return raw ? fromRaw(raw) : null;
    });
  }

  countDocuments(filter: Filter, opts: { maxTimeMS?: number; session?: Session } = {}): Promise<number> {
    return this.inSession(opts, (s) => this.c.countDocuments(filter, opts.maxTimeMS ? { maxTimeMS: opts.maxTimeMS, ...s } : s));
  }

  estimatedDocumentCount(opts?: SessionOption): Promise<number> {
    // MongoDB refuses the count command in a transaction: counting the documents answers the same
    return this.inSession(opts, (s) => (s.session ? this.c.countDocuments({}, s) : this.c.estimatedDocumentCount()));
  }

  insertOne(doc: Document, opts?: SessionOption): Promise<{ insertedId: unknown }> {
    return this.inSession(opts, async (s) => {
      const full = withIdFirst(doc);
      await this.c.insertOne(full, s);
      return { insertedId: full._id };
    });
  }

  /**
   * The driver promotes numbers in replies, so a numeric upserted _id has lost whether it was an
   * Int32, Long or Double; the stored document still knows (1 == 1.0 finds it).
   */
  private async exactId(id: unknown, s: { session?: ClientSession } = {}): Promise<unknown> {
    if (typeof id !== 'number') return toExact(id);
    const byId: Filter = { _id: id };
    const raw = await this.c.findOne(byId, { raw: true, projection: { _id: 1 }, ...s });
    return raw ? fromRaw(raw)._id : toExact(id);
  }

  private async updateResult(r: { matchedCount: number; modifiedCount: number; upsertedCount: number; upsertedId: unknown }, s: { session?: ClientSession }): Promise<UpdateResult> {
    return {
      matchedCount: r.matchedCount,
      modifiedCount: r.modifiedCount,
      upsertedCount: r.upsertedCount,
      upsertedId: r.upsertedCount ? await this.exactId(r.upsertedId, s) : null,
    };
  }

  replaceOne(filter: Filter, doc: Document, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.inSession(opts, async (s) => this.updateResult(await this.c.replaceOne(filter, doc, { upsert: opts.upsert ?? false, ...s }), s));
  }

  updateOne(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.inSession(opts, async (s) => this.updateResult(await this.c.updateOne(filter, update, { ...updateOptions(opts), ...s }), s));
  }

  updateMany(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.inSession(opts, async (s) => this.updateResult(await this.c.updateMany(filter, update, { ...updateOptions(opts), ...s }), s));
  }

  deleteOne(filter: Filter, opts?: SessionOption): Promise<DeleteResult> {
    return this.inSession(opts, async (s) => ({ deletedCount: (await this.c.deleteOne(filter, s)).deletedCount }));
  }

  deleteMany(filter: Filter, opts?: SessionOption): Promise<DeleteResult> {
    return this.inSession(opts, async (s) => ({ deletedCount: (await this.c.deleteMany(filter, s)).deletedCount }));
  }

  async bulkWrite(ops: BulkOperation[], opts?: SessionOption): Promise<BulkResult> {
    if (ops.length === 0) {
      return { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds: new Map(), upsertedIds: new Map(), writeErrors: [] };
    }
    const { ops: driverOps, insertIds } = bulkOperations(ops);
    let report: DriverBulkReport;
    let writeErrors: DriverWriteError[] = [];
    let s: { session?: ClientSession };
    try {
      s = this.sessions.optionOf(opts, this.probe);
    } catch (e) {
      throw engineErrorOf(e);
    }
    try {
      report = await this.c.bulkWrite(driverOps as Parameters<DriverCollection<Document>['bulkWrite']>[0], { ordered: false, ...s });
    } catch (e) {
      await this.sessions.failed(opts, engineErrorOf(e));
      const err = e as Error & { writeErrors?: unknown; result?: DriverBulkReport; writeConcernError?: unknown };
      // write errors are results; anything else (network, write concern, bad command) fails the call
      if (err.name !== 'MongoBulkWriteError' || !err.result || !Array.isArray(err.writeErrors) || err.writeErrors.length === 0) {
        throw engineErrorOf(e);
      }
      report = err.result;
      writeErrors = (err.writeErrors as Array<{ index: number; code?: number; errmsg?: string }>).map((w) => ({ index: w.index, code: w.code, errmsg: w.errmsg }));
    }
    const result = bulkResult(report, writeErrors, insertIds);
    try {
      // numbers were promoted by the driver: the stored document knows their type
      for (const [i, id] of Object.entries(report.upsertedIds ?? {})) if (typeof id === 'number') result.upsertedIds.set(Number(i), await this.exactId(id, s));
    } catch (e) {
      throw engineErrorOf(e);
    }
    return result;
  }

  aggregate(pipeline: Document[], opts: AggregateOptions = {}): Promise<Document[]> {
    const options = {
      raw: true, ...(opts.allowDiskUse !== undefined ? { allowDiskUse: opts.allowDiskUse } : {}), ...(opts.maxTimeMS ? { maxTimeMS: opts.maxTimeMS } : {}),
    };
    return this.inSession(opts, async (s) => (await this.c.aggregate(pipeline, { ...options, ...s }).toArray()).map(fromRaw));
  }

  listIndexes(): Promise<IndexSpec[]> {
    return run(async () => {
      try {
        return (await this.c.listIndexes({ raw: true }).toArray()).map((raw) => listedIndex(fromRaw(raw)));
      } catch (e) {
        if (isCode(engineErrorOf(e), NAMESPACE_NOT_FOUND)) return [];
        throw e;
      }
    });
  }

  createIndex(spec: IndexSpec): Promise<void> {
    return run(async () => {
      await this.c.createIndexes([spec as Parameters<DriverCollection<Document>['createIndexes']>[0][number]], {}, true);
    });
  }

  dropIndex(name: string): Promise<void> {
    return run(async () => {
      await this.c.dropIndex(name);
    });
  }

  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream {
    return new MongoChangeStream(this.c, pipeline, options);
  }
}

function updateOptions(opts: UpdateOptions): { upsert: boolean; arrayFilters?: Document[] } {
  return opts.arrayFilters ? { upsert: opts.upsert ?? false, arrayFilters: opts.arrayFilters } : { upsert: opts.upsert ?? false };
}

class MongoDatabase implements Database {
  readonly name: string;
  private readonly db: Db;
  private readonly sessions: MongoSessions;

  constructor(client: MongoClient, name: string, sessions: MongoSessions) {
    this.name = name;
    this.db = client.db(name);
    this.sessions = sessions;
  }

  bucket(name: string): Bucket {
    return new MongoBucket(this.db, name);
  }

  collection(name: string): Collection {
    return new MongoCollection(this.db, this.name, name, this.sessions);
  }

  listCollections(): Promise<string[]> {
    return run(async () => (await this.db.listCollections({}, { nameOnly: true, authorizedCollections: true }).toArray()).map((c) => c.name));
  }

  createCollection(name: string): Promise<void> {
    return run(async () => {
      try {
        await this.db.createCollection(name);
      } catch (e) {
        // created meanwhile by someone else: the interface's createCollection is idempotent
        if (!isCode(engineErrorOf(e), NAMESPACE_EXISTS)) throw e;
      }
    });
  }

  dropCollection(name: string): Promise<boolean> {
    return run(async () => {
      // MongoDB 7+ drops a missing collection without complaint, so ask first
      const exists = (await this.db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
      if (!exists) return false;
      return this.db.dropCollection(name);
    });
  }

  dropDatabase(): Promise<void> {
    return run(async () => {
      await this.db.dropDatabase();
    });
  }

  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream {
    return new MongoChangeStream(this.db, pipeline, options);
  }
}

export class MongoEngine implements Engine {
  readonly kind = 'mongodb' as const;
  readonly client: MongoClient;
  private readonly sessions: MongoSessions;
  private transactions: boolean | undefined;

  private constructor(client: MongoClient) {
    this.client = client;
    this.sessions = new MongoSessions(client);
  }

  /**
   * Connects, or throws one clear Error (the connection string with its password masked, and the
   * driver's reason) when MongoDB cannot be reached within serverSelectionTimeoutMS.
   */
  static async connect(uri: string): Promise<MongoEngine> {
    let client: MongoClient;
    try {
      client = new MongoClient(uri, clientOptions(uri));
    } catch (e) {
      throw startupError(`invalid MongoDB connection string ${redactUri(uri)}: ${(e as Error).message}`);
    }
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
    } catch (e) {
      await client.close().catch(() => undefined);
      throw startupError(`cannot connect to MongoDB at ${redactUri(uri)}: ${(e as Error).message}`);
    }
    return new MongoEngine(client);
  }

  db(name: string): Database {
    return new MongoDatabase(this.client, name, this.sessions);
  }

  listDatabases(): Promise<string[]> {
    return run(async () => (await this.client.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name));
  }

  ping(): Promise<void> {
    return run(async () => {
      await this.client.db('admin').command({ ping: 1 });
    });
  }

  /** Transactions need a replica set member or mongos (hello: setName, or msg 'isdbgrid'). */
  async supportsTransactions(): Promise<boolean> {
    this.transactions ??= await run(async () => {
      const hello = await this.client.db('admin').command({ hello: 1 });
      return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
    });
    return this.transactions;
  }

  startSession(): Session {
    return new MongoSession(this.sessions, randomUUID());
  }

  session(id: string, txnNumber?: number): Session {
    return new MongoSession(this.sessions, id, txnNumber);
  }

  /** The driver's pool and MongoDB's own cache are not ours to trim. */
  trimCaches(): void {}

  async close(): Promise<void> {
    await this.sessions.close();
    await this.client.close();
  }
}

/** An Error that prints as its message alone (the CLI prints startup errors as they are). */
function startupError(message: string): Error {
  const e = new Error(message);
  e.stack = message;
  return e;
}
