// Sessions of the embedded engine (types.ts Session) and the collection handle that sends an
// operation carrying a session with a transaction number into that transaction (transactions.ts).
// A session without a transaction number changes nothing: one SQLite file is causally consistent.
import type {
  AggregateOptions, BulkOperation, BulkResult, ChangeStream, ChangeStreamOptions, Collection, DeleteResult, Filter, FindOptions, IndexSpec, Session, SessionOption,
  TransactionStatus, UpdateOptions, UpdateResult, UpdateSpec,
} from '../types.ts';
import type { Document } from '../values.ts';
import type { RawDocument } from '../../json/bson-json.ts';
import { EmbeddedCollection } from './collection.ts';
import type { EmbeddedEngine } from './engine.ts';
import type { Transactions } from './transactions.ts';
import { overlaidCount, overlaidFind } from './txn-reads.ts';

export class EmbeddedSession implements Session {
  readonly id: string;
  readonly txnNumber: number | undefined;
  private readonly txns: Transactions;

  constructor(txns: Transactions, id: string, txnNumber?: number) {
    this.txns = txns;
    this.id = id;
    this.txnNumber = txnNumber;
  }

  async currentTransaction(): Promise<{ txnNumber: number; status: TransactionStatus } | null> {
    return this.txns.current(this.id);
  }

  startTransaction(): Promise<number | null> {
    return this.txns.start(this.id);
  }

  commitTransaction(txnNumber: number): Promise<void> {
    return this.txns.commit(this.id, txnNumber);
  }

  abortTransaction(txnNumber: number): Promise<void> {
    return this.txns.abort(this.id, txnNumber);
  }

  endSession(): Promise<void> {
    return this.txns.end(this.id);
  }
}

/** The transaction an operation's options name, if any. */
function txnOf(opts: SessionOption | undefined): { sid: string; n: number } | undefined {
  const s = opts?.session;
  return s && s.txnNumber !== undefined ? { sid: s.id, n: s.txnNumber } : undefined;
}

export class SessionCollection implements Collection {
  private readonly c: EmbeddedCollection;
  private readonly txns: Transactions;

  constructor(c: EmbeddedCollection, txns: Transactions) {
    this.c = c;
    this.txns = txns;
  }

  get dbName(): string {
    return this.c.dbName;
  }

  get name(): string {
    return this.c.name;
  }

  find(filter: Filter, opts: FindOptions = {}): Promise<Document[]> {
    const t = txnOf(opts);
    return t ? this.txns.read(t.sid, t.n, this.c, (s) => s.find(filter, opts), (o) => overlaidFind(this.c, filter, opts, o)) : this.c.find(filter, opts);
  }

  /** Inside a transaction the documents are built (its reads overlay its own writes). */
  findAsStored(filter: Filter, opts: FindOptions = {}): Promise<Array<Document | RawDocument>> {
    return txnOf(opts) ? this.find(filter, opts) : this.c.findAsStored(filter, opts);
  }

  async findOne(filter: Filter, opts: FindOptions = {}): Promise<Document | null> {
    if (!txnOf(opts)) return this.c.findOne(filter, opts);
    return (await this.find(filter, { ...opts, limit: 1 }))[0] ?? null;
  }

  countDocuments(filter: Filter, opts: { maxTimeMS?: number; session?: Session } = {}): Promise<number> {
    const t = txnOf(opts);
    return t ? this.txns.read(t.sid, t.n, this.c, (s) => s.count(filter), (o) => overlaidCount(this.c, filter, opts, o)) : this.c.countDocuments(filter, opts);
  }

  estimatedDocumentCount(opts?: SessionOption): Promise<number> {
    const t = txnOf(opts);
    return t ? this.txns.read(t.sid, t.n, this.c, (s) => s.count({}), (o) => overlaidCount(this.c, {}, {}, o)) : this.c.estimatedDocumentCount();
  }

  insertOne(doc: Document, opts?: SessionOption): Promise<{ insertedId: unknown }> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.insertOne(doc)) : this.c.insertOne(doc);
  }

  replaceOne(filter: Filter, doc: Document, opts: UpdateOptions = {}): Promise<UpdateResult> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.replaceOne(filter, doc, opts)) : this.c.replaceOne(filter, doc, opts);
  }

  updateOne(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.updateOne(filter, update, opts)) : this.c.updateOne(filter, update, opts);
  }

  updateMany(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.updateMany(filter, update, opts)) : this.c.updateMany(filter, update, opts);
  }

  deleteOne(filter: Filter, opts?: SessionOption): Promise<DeleteResult> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.deleteOne(filter)) : this.c.deleteOne(filter);
  }

  deleteMany(filter: Filter, opts?: SessionOption): Promise<DeleteResult> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.deleteMany(filter)) : this.c.deleteMany(filter);
  }

  bulkWrite(ops: BulkOperation[], opts?: SessionOption): Promise<BulkResult> {
    const t = txnOf(opts);
    return t ? this.txns.write(t.sid, t.n, this.c, (s) => s.bulkWrite(ops)) : this.c.bulkWrite(ops);
  }

  // in a transaction, the aggregation reads through find (findInTransaction); as in MongoDB, its failure aborts the transaction
  async aggregate(pipeline: Document[], opts?: AggregateOptions): Promise<Document[]> {
    const t = txnOf(opts);
    if (!t) return this.c.aggregate(pipeline, opts);
    try {
      return await this.c.aggregate(pipeline, opts);
    } catch (e) {
      // a failed read has aborted it already (Transactions.read)
      await this.txns.abort(t.sid, t.n).catch(() => undefined);
      throw e;
    }
  }

  // not part of a transaction: index changes apply at once
  listIndexes(): Promise<IndexSpec[]> {
    return this.c.listIndexes();
  }

  createIndex(spec: IndexSpec): Promise<void> {
    return this.c.createIndex(spec);
  }

  dropIndex(name: string): Promise<void> {
    return this.c.dropIndex(name);
  }

  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream {
    return this.c.watch(pipeline, options);
  }
}

/** find() of a collection in the transaction `opts.session` names: the source of an aggregation in a transaction (aggregate.ts). */
export function findInTransaction(engine: EmbeddedEngine, dbName: string, collName: string, filter: Filter, opts: FindOptions): Promise<Document[]> {
  return new SessionCollection(new EmbeddedCollection(engine, dbName, collName), engine.transactions).find(filter, opts);
}
