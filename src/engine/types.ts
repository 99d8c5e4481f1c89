// The one storage interface. Shaped like the MongoDB driver's Db/Collection API so that the
// MongoDB engine is a thin pass-through; nothing above engine/ knows which engine runs.
// Values are in the exact model of values.ts. Errors are EngineError with MongoDB's codes.
import type { Readable, Writable } from 'node:stream';
import type { Document } from './values.ts';
import type { RawDocument } from '../json/bson-json.ts';

export type Filter = Document;
export type Sort = Array<[string, 1 | -1]>;
export type Projection = Document;
export type UpdateSpec = Document | Document[];

export interface FindOptions {
  sort?: Sort;
  projection?: Projection;
  skip?: number;
  limit?: number;
  /** index name, key pattern, or {$natural: 1|-1} */
  hint?: string | Document;
  /** stop with MaxTimeMSExpired (code 50) after this many ms; 0 or absent: the engine's default */
  maxTimeMS?: number;
  session?: Session;
}

/** Any operation may run in a session: with a transaction number, inside that transaction. */
export interface SessionOption {
  session?: Session;
}

export interface AggregateOptions extends SessionOption {
  /** stop with MaxTimeMSExpired (code 50) after this many ms; 0 or absent: the engine's default */
  maxTimeMS?: number;
  allowDiskUse?: boolean;
}

export interface UpdateOptions {
  session?: Session;
  upsert?: boolean;
  arrayFilters?: Document[];
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

export interface DeleteResult {
  deletedCount: number;
}

export type BulkOperation =
  | { insertOne: { document: Document } }
  | { replaceOne: { filter: Filter; replacement: Document; upsert?: boolean } }
  | { updateOne: { filter: Filter; update: UpdateSpec; upsert?: boolean } }
  | { updateMany: { filter: Filter; update: UpdateSpec } }
  | { deleteOne: { filter: Filter } }
  | { deleteMany: { filter: Filter } };

export interface BulkWriteError {
  index: number;
  code: number;
  message: string;
}

export interface BulkResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  /** operation index → _id, for inserts and upserts */
  insertedIds: Map<number, unknown>;
  upsertedIds: Map<number, unknown>;
  writeErrors: BulkWriteError[];
}

export interface IndexSpec {
  name: string;
  key: Document;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

export interface ChangeStreamOptions {
  /** 'updateLookup': update events carry the whole document (the embedded engine: as the update left it) */
  fullDocument?: 'default' | 'updateLookup';
  /** a token of an earlier event: the stream starts right after it (ChangeStreamHistoryLost, 286, when no longer held) */
  resumeAfter?: Document;
  startAfter?: Document;
}

/**
 * The driver's ChangeStream in event-emitter mode: `change` for each event (the pipeline applied)
 * in commit order, `error` then `close` when it fails; after a drop of its collection (database)
 * the `drop` (`dropDatabase`) event, an `invalidate` event, and `close`. docrest's addition: `init`
 * once the stream is established (resume point checked); `error` instead when it cannot be.
 */
export interface ChangeStream {
  /** the token of the last event emitted, set before its `change` listeners run */
  readonly resumeToken: unknown;
  readonly closed: boolean;
  on(event: 'init' | 'close', listener: () => void): this;
  on(event: 'change', listener: (change: Document) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  close(): Promise<void>;
}

export interface Collection {
  readonly dbName: string;
  readonly name: string;
  find(filter: Filter, options?: FindOptions): Promise<Document[]>;
  /**
   * find() for a reader that only renders the documents: a document the engine holds as its BSON
   * bytes may come as a RawDocument (json/bson-json.ts) instead of being built as objects.
   */
  findAsStored(filter: Filter, options?: FindOptions): Promise<Array<Document | RawDocument>>;
  findOne(filter: Filter, options?: FindOptions): Promise<Document | null>;
  countDocuments(filter: Filter, options?: { maxTimeMS?: number; session?: Session }): Promise<number>;
  estimatedDocumentCount(options?: SessionOption): Promise<number>;
  insertOne(doc: Document, options?: SessionOption): Promise<{ insertedId: unknown }>;
  replaceOne(filter: Filter, doc: Document, options?: UpdateOptions): Promise<UpdateResult>;
  updateOne(filter: Filter, update: UpdateSpec, options?: UpdateOptions): Promise<UpdateResult>;
  updateMany(filter: Filter, update: UpdateSpec, options?: UpdateOptions): Promise<UpdateResult>;
  deleteOne(filter: Filter, options?: SessionOption): Promise<DeleteResult>;
  deleteMany(filter: Filter, options?: SessionOption): Promise<DeleteResult>;
  /** Always unordered: every operation is tried; failures are reported per index. */
  bulkWrite(ops: BulkOperation[], options?: SessionOption): Promise<BulkResult>;
  /** A last $out or $merge stage writes its input and the result is []. */
  aggregate(pipeline: Document[], options?: AggregateOptions): Promise<Document[]>;
  /** {v, key, name, ...options} each, the _id index first, then in creation order; [] when the collection does not exist. */
  listIndexes(): Promise<IndexSpec[]>;
  createIndex(spec: IndexSpec): Promise<void>;
  dropIndex(name: string): Promise<void>;
  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream;
}

export interface Database {
  readonly name: string;
  collection(name: string): Collection;
  /** Names of existing collections, unsorted. */
  listCollections(): Promise<string[]>;
  createCollection(name: string): Promise<void>;
  /** false if it did not exist */
  dropCollection(name: string): Promise<boolean>;
  dropDatabase(): Promise<void>;
  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream;
  /** The GridFS bucket `name` (collections `<name>.files` and `<name>.chunks`). */
  bucket(name: string): Bucket;
}

/** GridFS's chunk size (255 KiB), as MongoDB's drivers use it. */
export const GRIDFS_CHUNK_SIZE = 261_120;

export interface UploadOptions {
  /** the file's _id; a new ObjectId when absent */
  id?: unknown;
  filename: string;
  metadata?: Document;
}

/**
 * Bytes written here become the file's chunks; the files document is written once all of them
 * are stored ('finish'), so an unfinished upload is never a visible file. `abort` removes what was
 * written (the stream is unusable afterwards).
 */
export interface UploadStream extends Writable {
  readonly id: unknown;
  abort(): Promise<void>;
}

/**
 * A GridFS bucket, as the driver's GridFSBucket: file documents are read and updated through the
 * `<name>.files` collection; bytes through these streams.
 */
export interface Bucket {
  openUploadStream(options: UploadOptions): UploadStream;
  /** The bytes of [start, end) of the file (end exclusive, as the driver); the file must exist. */
  openDownloadStream(id: unknown, range?: { start?: number; end?: number }): Readable;
  /** Deletes the file and its chunks; false when there is no such file. */
  delete(id: unknown): Promise<boolean>;
  /** Drops both collections. */
  drop(): Promise<void>;
}

export interface Engine {
  readonly kind: 'embedded' | 'mongodb';
  db(name: string): Database;
  /** Names of databases that hold at least one collection, unsorted. */
  listDatabases(): Promise<string[]>;
  /** Round trip to the storage; throws if it is not reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Whether sessions can hold transactions (MongoDB: a replica set or sharded cluster). */
  supportsTransactions(): Promise<boolean>;
  /** A new session (a random UUID). */
  startSession(): Session;
  /**
   * The session with this id (a UUID, as the HTTP API's ?sid=), acting in transaction number
   * `txnNumber` when given: operations passed this session then run inside that transaction, and
   * fail with NoSuchTransaction (251) unless it is the session's current one and in progress.
   */
  session(id: string, txnNumber?: number): Session;
  /** Drops what the engine caches for speed (an idle server gives its memory back: memory-release.ts). */
  trimCaches(): void;
  /** Set by the server: called when the engine let go of memory worth giving back soon (memory-release.ts). */
  onMemoryDropped?: () => void;
}

/** The states RESTHeart reports for a session's current transaction. */
export type TransactionStatus = 'NONE' | 'IN' | 'COMMITTED' | 'ABORTED';

/**
 * A session as the MongoDB driver's ClientSession, addressed by id so that any request (and any
 * worker or instance) can act in it. Transaction numbers count from 1 per session.
 * Errors: NoSuchTransaction (251) when the transaction is not the current one or not in progress;
 * WriteConflict (112) when a commit finds a conflicting write (the transaction is then aborted).
 */
export interface Session {
  readonly id: string;
  /** The transaction this handle acts in, if any. */
  readonly txnNumber: number | undefined;
  /** The current transaction (number and status), or null when the session never had one. */
  currentTransaction(): Promise<{ txnNumber: number; status: TransactionStatus } | null>;
  /** Starts the next transaction and returns its number; null when one is already in progress. */
  startTransaction(): Promise<number | null>;
  commitTransaction(txnNumber: number): Promise<void>;
  abortTransaction(txnNumber: number): Promise<void>;
  /** Ends the session: a transaction in progress is aborted. */
  endSession(): Promise<void>;
}
