// The embedded engine: MongoDB's database API over one SQLite file (store.ts), with secondary
// indexes (indexes.ts), a planner (planner.ts, scan.ts) and read caches (doc-cache.ts).
import { deserialize } from 'bson';
import { randomUUID } from 'node:crypto';
import type { Bucket, ChangeStream, ChangeStreamOptions, Collection, Database, Engine, Session } from '../types.ts';
import type { Document } from '../values.ts';
import { ChangeFeed } from './change-feed.ts';
import { ChangeLog, type Retention } from './change-log.ts';
import { EmbeddedCollection } from './collection.ts';
import { DocCache, ResultCache } from './doc-cache.ts';
import { unpinned } from './resident-docs.ts';
import { EmbeddedBucket } from './gridfs.ts';
import { Indexes } from './indexes.ts';
import { dropAbandonedBuilds } from './index-build.ts';
import { Reaper } from './retired.ts';
import { Scanner } from './scan.ts';
import type { Hit } from './hits.ts';
import { Columns } from './columns.ts';
import { EmbeddedSession, SessionCollection } from './sessions.ts';
import { Store } from './store.ts';
import { Transactions } from './transactions.ts';

// columns of 1M documents: ~8 MB a numeric field, ~40 MB a short string field
const DEFAULT_COLUMN_BYTES = 128 * 1024 * 1024;
// MongoDB's TTL monitor runs every 60 s
const TTL_SWEEP_MS = 60_000;
const CHANGE_TRIM_MS = 30_000;
// how often a worker looks for other workers' commits while a change stream is open
const CHANGE_POLL_MS = 10;
const DEFAULT_RETENTION: Retention = { maxAgeMs: 24 * 3600_000, maxEntries: 1_000_000 };
// database and collection handles hold no state but their names: one per name, not one per
// request; names come from URLs, so the maps are bounded
const MAX_HANDLES = 1000;

function handle<T>(handles: Map<string, T>, name: string, make: () => T): T {
  let h = handles.get(name);
  if (h === undefined) {
    if (handles.size >= MAX_HANDLES) handles.clear();
    handles.set(name, (h = make()));
  }
  return h;
}

class EmbeddedDatabase implements Database {
  readonly name: string;
  private readonly engine: EmbeddedEngine;
  private readonly collections = new Map<string, SessionCollection>();

  constructor(engine: EmbeddedEngine, name: string) {
    this.engine = engine;
    this.name = name;
  }

  collection(name: string): Collection {
    return handle(this.collections, name, () => new SessionCollection(new EmbeddedCollection(this.engine, this.name, name), this.engine.transactions));
  }

  async listCollections(): Promise<string[]> {
    // a collection created or dropped by a commit not yet on disk is not shown yet (store.durable)
    await this.engine.store.durable('');
    return this.engine.store.listCollections(this.name);
  }

  async createCollection(name: string): Promise<void> {
    await this.engine.store.write(() => this.engine.store.createCollection(this.name, name));
  }

  async dropCollection(name: string): Promise<boolean> {
    return this.engine.store.write(() => {
      const dropped = this.engine.store.dropCollection(this.name, name);
      if (dropped) this.engine.changes.drop(this.name, name);
      return dropped;
    });
  }

  bucket(name: string): Bucket {
    return new EmbeddedBucket(this.engine, this.name, name);
  }

  async dropDatabase(): Promise<void> {
    const store = this.engine.store;
    await store.write(() => {
      const names = store.listCollections(this.name);
      for (const c of names) {
        store.dropCollection(this.name, c);
        this.engine.changes.drop(this.name, c);
      }
      if (names.length) this.engine.changes.dropDatabase(this.name);
    });
  }

  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream {
    return this.engine.feed.watch(this.name, undefined, pipeline, options);
  }
}

export class EmbeddedEngine implements Engine {
  readonly kind = 'embedded' as const;
  readonly store: Store;
  readonly indexes: Indexes;
  readonly scanner: Scanner;
  private readonly docs: DocCache;
  readonly results = new ResultCache<Hit[] | number>(
    (r) => (typeof r === 'number' ? 8 : r.reduce((n, h) => n + 64 + h.parsed.bytes.length, 0)),
    (r) => (typeof r === 'number' ? r : unpinned(r)),
  );
  readonly transactions: Transactions;
  /** the change log every write appends to, and the feed change streams read it from */
  readonly changes: ChangeLog;
  readonly feed: ChangeFeed;
  private readonly ttlTimer: NodeJS.Timeout;
  private readonly trimTimer: NodeJS.Timeout;
  /** empties and drops the tables of dropped collections and indexes (retired.ts) */
  readonly reaper: Reaper;

  /** exclusive: no other process uses the data directory (one worker). */
  constructor(dataDir: string, opts: {
    exclusive: boolean; columnBytes?: number; transactionLifetimeMs?: number; changeRetention?: Retention; rowLogEntries?: number;
  } = { exclusive: false }) {
    this.store = new Store(dataDir, opts);
    this.indexes = new Indexes(this.store);
    dropAbandonedBuilds(this.store, this.indexes);
    const docs = (this.docs = new DocCache());
    this.store.onRowWritten = (table, k) => docs.delete(table, k);
    this.scanner = new Scanner(this.store, this.indexes, docs, new Columns(this.store, opts.columnBytes ?? DEFAULT_COLUMN_BYTES));
    this.ttlTimer = setInterval(() => void this.sweepExpired(), TTL_SWEEP_MS).unref();
    this.transactions = new Transactions(this, { exclusive: opts.exclusive, lifetimeMs: opts.transactionLifetimeMs });
    this.changes = new ChangeLog(this.store.sql, opts.changeRetention ?? DEFAULT_RETENTION);
    this.feed = new ChangeFeed(this.changes, this.store, { exclusive: opts.exclusive, pollMs: CHANGE_POLL_MS });
    this.store.onCommit = () => {
      const upTo = this.changes.lastSeq();
      return () => this.feed.durable(upTo);
    };
    this.trimTimer = setInterval(() => void this.trimChanges(), CHANGE_TRIM_MS).unref();
    this.reaper = new Reaper(this.store);
    this.store.onRetired = () => this.reaper.start();
    this.reaper.start();
  }

  /** Trims the change log to its retention; exported for tests. */
  trimChanges(now = Date.now()): Promise<void> {
    return this.store.write(() => this.changes.trim(now)).catch(() => undefined); // retried on the next tick
  }

  private readonly databases = new Map<string, EmbeddedDatabase>();

  db(name: string): Database {
    return handle(this.databases, name, () => new EmbeddedDatabase(this, name));
  }

  async listDatabases(): Promise<string[]> {
    await this.store.durable('');
    return this.store.listDatabases();
  }

  async ping(): Promise<void> {
    this.store.prepared('SELECT 1').get();
  }

  async supportsTransactions(): Promise<boolean> {
    return true;
  }

  startSession(): Session {
    return new EmbeddedSession(this.transactions, randomUUID());
  }

  session(id: string, txnNumber?: number): Session {
    return new EmbeddedSession(this.transactions, id, txnNumber);
  }

  /** Deletes the documents TTL indexes have expired; exported for tests. */
  async sweepExpired(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (const db of this.store.listDatabases()) {
      for (const name of this.store.listCollections(db)) {
        const info = this.store.collectionInfo(db, name)!;
        for (const def of this.indexes.of(info.table)) {
          if (def.ttlSeconds === undefined) continue;
          const keys = this.indexes.expired(def, now);
          if (keys.length === 0) continue;
          const coll = this.db(db).collection(name);
          deleted += (await coll.deleteMany({ _id: { $in: this.idsOf(info.table, keys) } })).deletedCount;
        }
      }
    }
    return deleted;
  }

  private idsOf(table: string, keys: Buffer[]): unknown[] {
    const get = this.store.prepared(`SELECT doc FROM ${table} WHERE k = ?`).pluck();
    return keys.map((k) => get.get(k) as Buffer | undefined).filter((b): b is Buffer => !!b).map((b) => deserialize(b, { promoteValues: false })._id);
  }

  get onMemoryDropped(): (() => void) | undefined {
    return this.scanner.resident.onDropped;
  }

  set onMemoryDropped(f: (() => void) | undefined) {
    this.scanner.resident.onDropped = f;
  }

  /** The documents and results cached, and what lookups keep in memory; the columns stay (rebuilding them takes seconds at 1M rows). */
  trimCaches(): void {
    this.results.clear();
    this.docs.clear();
    this.scanner.resident.clear();
  }

  async close(): Promise<void> {
    clearInterval(this.ttlTimer);
    clearInterval(this.trimTimer);
    this.reaper.stop();
    this.feed.close();
    this.transactions.close();
    this.store.close();
  }
}
