// A collection of the embedded engine: MongoDB's collection API over one SQLite table.
// Reads run synchronously on the connection (WAL readers never block); writes go through the
// store's group-commit queue and run inside it, so read-modify-write is atomic per operation.
import { BAD_VALUE, DUPLICATE_KEY, EngineError, IMMUTABLE_FIELD, NAMESPACE_NOT_FOUND } from '../../errors.ts';
import { renderJson } from '../../json/render.ts';
import { RawDocument } from '../../json/bson-json.ts';
import { listedIndex } from '../index-spec.ts';
import { compileProjection } from '../projection.ts';
import type {
  AggregateOptions, BulkOperation, BulkResult, ChangeStream, ChangeStreamOptions, Collection, DeleteResult, Filter, FindOptions, IndexSpec, UpdateOptions,
  UpdateResult, UpdateSpec,
} from '../types.ts';
import { applyUpdate } from '../update.ts';
import { BSONRegExp, Int32, valuesEqual, type Document } from '../values.ts';
import type { EmbeddedEngine as Engine } from './engine.ts';
import { idKey } from './keys.ts';
import { pinnedIds } from './query.ts';
import { positionalIndex, upsertSeed } from '../update-rules.ts';
import { exactKeyLookup, exactOf, type Hit } from './hits.ts';
import { ROWS } from './columns.ts';
import type { CollectionInfo } from './store.ts';
import { deadlineOf } from './time-limit.ts';
import { WriteTargets } from './write-targets.ts';
import { BulkRun, type BulkOp, type BulkSteps } from './bulk-write.ts';
import { inSlices } from './bulk-slices.ts';
import { bulkTargets, ListCursor, RangeCursor } from './bulk-rows.ts';
import { aggregate } from './aggregate.ts';
import { buildIndex } from './index-build.ts';
import { engineMetrics } from '../../metrics/docrest-registry.ts';
import { fresh, storedBytes, withIdFirst } from './stored-document.ts';


function duplicateKey(info: CollectionInfo, id: unknown): EngineError {
  return new EngineError(DUPLICATE_KEY, 'DuplicateKey',
    `E11000 duplicate key error collection: ${info.db}.${info.name} index: _id_ dup key: { _id: ${renderJson(id)} }`);
}

export class EmbeddedCollection implements Collection {
  readonly dbName: string;
  readonly name: string;
  private readonly engine: Engine;

  constructor(engine: Engine, dbName: string, name: string) {
    this.engine = engine;
    this.dbName = dbName;
    this.name = name;
  }

  private get store() {
    return this.engine.store;
  }

  private info(): CollectionInfo | undefined {
    return this.store.collectionInfo(this.dbName, this.name);
  }

  private stmt(info: CollectionInfo, sql: string) {
    return this.store.prepared(sql.replaceAll('$T', ` ${info.table} `));
  }

  private scan(info: CollectionInfo, filter: Filter, opts: FindOptions = {}): Hit[] {
    return this.engine.scanner.run(info, filter, opts);
  }

  /**
   * Reads go through the result cache, valid until the collection's next write (by anyone); point
   * reads by _id skip it, as a point read costs less than building the cache key.
   */
  private async cachedQuery(info: CollectionInfo, filter: Filter, opts: FindOptions, countOnly: boolean): Promise<Hit[] | number> {
    if (opts.hint === undefined && pinnedIds(filter)) {
      const hits = this.scan(info, filter, opts);
      return countOnly ? hits.length : hits;
    }
    const deadline = deadlineOf(opts.maxTimeMS);
    const filterKey = renderJson(filter, 'extended');
    const version = this.store.version(info.table);
    const key = `${countOnly ? 'n' : 'd'}${filterKey}${renderJson([opts.sort ?? null, opts.skip ?? 0, opts.limit ?? 0, opts.hint ?? null], 'extended')}`;
    let result = this.engine.results.get(info.table, version, key);
    if (result !== undefined) engineMetrics.resultCacheHit();
    else {
      engineMetrics.resultCacheMiss();
      result = await this.engine.scanner.query(info, filter, filterKey, opts, deadline, countOnly);
      // a query that yielded may have run across a write: cached only under the version it saw
      if (this.store.version(info.table) === version) this.engine.results.set(info.table, version, key, result);
    }
    return result;
  }

  /**
   * Called after a read of this collection, before its answer is given: waits until every commit
   * that wrote the collection (or the catalog) is on disk (store.durable), so the answer shows no
   * write that a power cut could undo, including a cached result computed before its rows were.
   * After the read, not before it: one wait covers what the read saw, where a wait before it and
   * another after a read that yielded cost two fsync cycles under a steady write load.
   */
  private durable(info: CollectionInfo | undefined): Promise<void> | undefined {
    return this.store.durable(info?.table ?? '');
  }

  private async hits(filter: Filter, opts: FindOptions): Promise<Hit[]> {
    const info = this.info();
    const hits = info ? ((await this.cachedQuery(info, filter, opts, false)) as Hit[]) : [];
    const w = this.durable(info);
    if (w) await w;
    return hits;
  }

  async find(filter: Filter, opts: FindOptions = {}): Promise<Document[]> {
    const project = opts.projection && Object.keys(opts.projection).length ? compileProjection(opts.projection) : undefined;
    const hits = await this.hits(filter, opts);
    return hits.map((h) => (project ? project(exactOf(h.parsed)) : exactOf(h.parsed)));
  }

  /** Documents not parsed yet go out as their bytes, one RawDocument per cached row (its rendering is kept). */
  async findAsStored(filter: Filter, opts: FindOptions = {}): Promise<Array<Document | RawDocument>> {
    if (opts.projection && Object.keys(opts.projection).length) return this.find(filter, opts);
    const hits = await this.hits(filter, opts);
    return hits.map((h) => h.parsed.exact ?? (h.parsed.raw ??= new RawDocument(h.parsed.bytes)));
  }

  async findOne(filter: Filter, opts: FindOptions = {}): Promise<Document | null> {
    // a plain lookup by _id (every document GET, every authenticated request's user): no planning
    if (opts.projection === undefined && !opts.skip && opts.hint === undefined && exactKeyLookup(filter)) {
      const info = this.info();
      const hit = info && this.engine.scanner.point(info, filter._id);
      const w = this.durable(info);
      if (w) await w;
      return hit ? exactOf(hit.parsed) : null;
    }
    return (await this.find(filter, { ...opts, limit: 1 }))[0] ?? null;
  }

  async countDocuments(filter: Filter, opts: { maxTimeMS?: number } = {}): Promise<number> {
    const info = this.info();
    const n = !info ? 0 : Object.keys(filter).length === 0 ? this.estimate(info) : ((await this.cachedQuery(info, filter, opts, true)) as number);
    await this.durable(info);
    return n;
  }

  /** The rows column's count when it is built (SQLite's count(*) walks an index: 25 ms at 1M rows). */
  private estimate(info: CollectionInfo): number {
    return this.engine.scanner.columns.get(info.table, ROWS)?.present ?? (this.stmt(info, 'SELECT count(*) FROM $T').pluck().get() as number);
  }

  async estimatedDocumentCount(): Promise<number> {
    const info = this.info();
    const n = info ? this.estimate(info) : 0;
    await this.durable(info);
    return n;
  }

  private ensure(): CollectionInfo {
    return this.store.createCollection(this.dbName, this.name);
  }

  private insertSync(info: CollectionInfo, doc: Document): unknown {
    const full = withIdFirst(doc);
    if (Array.isArray(full._id)) throw new EngineError(BAD_VALUE, 'BadValue', 'The \'_id\' value cannot be of type array');
    if (full._id instanceof RegExp || full._id instanceof BSONRegExp) throw new EngineError(BAD_VALUE, 'BadValue', 'The \'_id\' value cannot be of type regex');
    const k = idKey(full._id);
    const bytes = storedBytes(full);
    const res = this.stmt(info, 'INSERT OR IGNORE INTO $T (k, doc) VALUES (?, ?)').run(k, bytes);
    if (res.changes === 0) throw duplicateKey(info, full._id);
    this.engine.changes.insert(info.db, info.name, bytes);
    this.store.rowTouched(info.table, Number(res.lastInsertRowid), k);
    this.engine.indexes.onWrite(info, k, undefined, full);
    this.store.bump(info.table);
    return full._id;
  }

  private writeRow(info: CollectionInfo, hit: Hit, bytes: Uint8Array, before: Document, after: Document, op: 'update' | 'replace'): void {
    this.stmt(info, 'UPDATE $T SET doc = ? WHERE rowid = ?').run(bytes, hit.rowid);
    this.engine.changes.update(info.db, info.name, op, hit.parsed.bytes, after, bytes);
    this.store.rowTouched(info.table, hit.rowid, hit.k);
    this.engine.indexes.onWrite(info, hit.k, before, after);
    this.store.bump(info.table);
  }

  async insertOne(doc: Document): Promise<{ insertedId: unknown }> {
    return this.store.write(() => ({ insertedId: this.insertSync(this.ensure(), doc) }));
  }

  /** The rows a write by filter acts on: found beforehand for a large collection, else scanned now. */
  private targets(info: CollectionInfo, filter: Filter, many: boolean, pre: WriteTargets | undefined): Hit[] {
    return pre?.resolve(info, filter) ?? this.scan(info, filter, many ? {} : { limit: 1 });
  }

  private replaceSync(info: CollectionInfo, filter: Filter, replacement: Document, upsert: boolean, pre?: WriteTargets): UpdateResult {
    const [hit] = this.targets(info, filter, false, pre);
    if (hit) {
      const old = fresh(hit.parsed.bytes);
      if (replacement._id !== undefined && !valuesEqual(replacement._id, old._id)) {
        throw new EngineError(IMMUTABLE_FIELD, 'ImmutableField',
          `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${renderJson(replacement._id)}`);
      }
      const next = withIdFirst(replacement, old._id);
      const bytes = storedBytes(next);
      const modified = Buffer.compare(bytes, hit.parsed.bytes) !== 0;
      if (modified) this.writeRow(info, hit, bytes, old, next, 'replace');
      return { matchedCount: 1, modifiedCount: modified ? 1 : 0, upsertedCount: 0, upsertedId: null };
    }
    if (!upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
    const seed = upsertSeed(filter);
    const id = this.insertSync(info, withIdFirst(replacement, replacement._id ?? seed._id));
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
  }

  private updateSync(info: CollectionInfo, filter: Filter, update: UpdateSpec, opts: UpdateOptions, many: boolean, pre?: WriteTargets): UpdateResult {
    const hits = this.targets(info, filter, many, pre);
    const now = new Date();
    const modifiedCount = this.updateHits(info, filter, update, opts, hits, now);
    if (hits.length || !opts.upsert) {
      return { matchedCount: hits.length, modifiedCount, upsertedCount: 0, upsertedId: null };
    }
    const id = this.upsertSync(info, filter, update, opts, now);
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
  }

  /** Applies the update to these matching rows; how many changed. */
  private updateHits(info: CollectionInfo, filter: Filter, update: UpdateSpec, opts: UpdateOptions, hits: Hit[], now: Date): number {
    let modified = 0;
    for (const hit of hits) {
      const old = fresh(hit.parsed.bytes);
      const next = applyUpdate(old, update, {
        isUpsertInsert: false, now, arrayFilters: opts.arrayFilters, positional: (path) => positionalIndex(filter, old, path),
      });
      if (!valuesEqual(next._id, old._id)) {
        throw new EngineError(IMMUTABLE_FIELD, 'ImmutableField',
          "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      const bytes = storedBytes(next);
      if (Buffer.compare(bytes, hit.parsed.bytes) !== 0) {
        this.writeRow(info, hit, bytes, old, next, 'update');
        modified++;
      }
    }
    return modified;
  }

  private upsertSync(info: CollectionInfo, filter: Filter, update: UpdateSpec, opts: UpdateOptions, now: Date): unknown {
    return this.insertSync(info, applyUpdate(upsertSeed(filter), update, { isUpsertInsert: true, now, arrayFilters: opts.arrayFilters }));
  }

  private deleteSync(info: CollectionInfo, filter: Filter, many: boolean, pre?: WriteTargets): DeleteResult {
    return { deletedCount: this.deleteHits(info, this.targets(info, filter, many, pre)) };
  }

  private deleteHits(info: CollectionInfo, hits: Hit[]): number {
    const del = this.stmt(info, 'DELETE FROM $T WHERE rowid = ?');
    for (const h of hits) {
      del.run(h.rowid);
      this.store.rowTouched(info.table, h.rowid, h.k);
      const old = fresh(h.parsed.bytes);
      this.engine.changes.delete(info.db, info.name, old._id);
      this.engine.indexes.onWrite(info, h.k, old, undefined);
    }
    if (hits.length) this.store.bump(info.table);
    return hits.length;
  }

  /** Runs a write by filter of one document, with its target found first when the collection is large. */
  private async byFilter<T>(filter: Filter, run: (pre: WriteTargets | undefined) => T): Promise<T> {
    const pre = await WriteTargets.find(this.engine, this.info(), filter, true);
    try {
      return await this.store.write(() => run(pre));
    } finally {
      pre?.done();
    }
  }

  replaceOne(filter: Filter, doc: Document, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.byFilter(filter, (pre) => this.replaceSync(this.ensure(), filter, doc, opts.upsert ?? false, pre));
  }

  updateOne(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.byFilter(filter, (pre) => this.updateSync(this.ensure(), filter, update, opts, false, pre));
  }

  async updateMany(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    const { result: r } = await this.sliced([{ updateMany: { filter, update, upsert: opts.upsert, arrayFilters: opts.arrayFilters } }], false);
    return { matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount, upsertedId: r.upsertedIds.get(0) ?? null };
  }

  deleteOne(filter: Filter): Promise<DeleteResult> {
    return this.byFilter(filter, (pre) => {
      const info = this.info();
      return info ? this.deleteSync(info, filter, false, pre) : { deletedCount: 0 };
    });
  }

  async deleteMany(filter: Filter): Promise<DeleteResult> {
    return { deletedCount: (await this.sliced([{ deleteMany: { filter } }], false, false)).result.deletedCount };
  }

  async bulkWrite(ops: BulkOperation[]): Promise<BulkResult> {
    return (await this.sliced(ops, true)).result;
  }

  /**
   * Runs operations in slices that give way to other requests (bulk-write.ts); once every slice is
   * on disk, the run, or (a single updateMany/deleteMany, `report` false) its error.
   */
  private async sliced(ops: BulkOp[], report: boolean, create = true): Promise<BulkRun> {
    const t = await bulkTargets(this.engine, this.info(), ops);
    // unlike an update, a delete does not create the collection
    const steps = create ? this.bulkSteps : { ...this.bulkSteps, ensure: () => this.info() };
    const run = new BulkRun(steps, this.store.sql, ops, t.pres, t.targets);
    try {
      await inSlices(this.store, (until) => run.step(until));
    } finally {
      t.done();
    }
    if (!report && run.errors.length) throw run.errors[0];
    return run;
  }

  private readonly bulkSteps: BulkSteps = {
    ensure: () => this.ensure(),
    insert: (info, doc) => this.insertSync(info, doc),
    replace: (info, filter, doc, upsert, pre) => this.replaceSync(info, filter, doc, upsert, pre),
    updateOne: (info, filter, update, upsert, pre) => this.updateSync(info, filter, update, { upsert }, false, pre),
    deleteOne: (info, filter, pre) => this.deleteSync(info, filter, false, pre).deletedCount,
    cursor: (info, filter, t) => {
      if (t.kind === 'range') return new RangeCursor(this.engine, info, filter);
      const rowids = (t.kind === 'found' ? t.pre.candidates(info) : undefined) ?? this.scan(info, filter).map((h) => h.rowid);
      return new ListCursor(rowids, (chunk) => this.engine.scanner.recheck(info, filter, chunk));
    },
    updateHits: (info, op, hits, now) => this.updateHits(info, op.filter, op.update, op, hits, now),
    deleteHits: (info, hits) => this.deleteHits(info, hits),
    upsert: (info, op, now) => this.upsertSync(info, op.filter, op.update, op, now),
    rolledBack: () => this.store.restampTouched(),
  };

  /**
   * The operations as synchronous steps on the committed rows, for a caller already inside a store
   * write: transactions.ts runs a transaction's operations there, over its writes replayed in a
   * savepoint, and applies its writes at commit through these same paths.
   */
  readonly inWrite = {
    find: (filter: Filter, opts: FindOptions = {}): Document[] => {
      const info = this.info();
      const project = opts.projection && Object.keys(opts.projection).length ? compileProjection(opts.projection) : undefined;
      return info ? this.scan(info, filter, opts).map((h) => (project ? project(exactOf(h.parsed)) : exactOf(h.parsed))) : [];
    },
    count: (filter: Filter): number => {
      const info = this.info();
      return info ? this.scan(info, filter).length : 0;
    },
    insertOne: (doc: Document) => ({ insertedId: this.insertSync(this.ensure(), doc) }),
    replaceOne: (filter: Filter, doc: Document, opts: UpdateOptions = {}) => this.replaceSync(this.ensure(), filter, doc, opts.upsert ?? false),
    updateOne: (filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}) => this.updateSync(this.ensure(), filter, update, opts, false),
    updateMany: (filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}) => this.updateSync(this.ensure(), filter, update, opts, true),
    deleteOne: (filter: Filter): DeleteResult => {
      const info = this.info();
      return info ? this.deleteSync(info, filter, false) : { deletedCount: 0 };
    },
    deleteMany: (filter: Filter): DeleteResult => {
      const info = this.info();
      return info ? this.deleteSync(info, filter, true) : { deletedCount: 0 };
    },
    bulkWrite: (ops: BulkOperation[]): BulkResult => {
      const run = new BulkRun(this.bulkSteps, this.store.sql, ops, [], []);
      run.step(Infinity);
      return run.result;
    },
  };

  async aggregate(pipeline: Document[], options?: AggregateOptions): Promise<Document[]> {
    // a pipeline may read other collections ($lookup, $unionWith): every commit so far
    await this.store.durable();
    return aggregate(this.engine, this.dbName, this.name, pipeline, options);
  }

  watch(pipeline?: Document[], options?: ChangeStreamOptions): ChangeStream {
    return this.engine.feed.watch(this.dbName, this.name, pipeline, options);
  }

  async listIndexes(): Promise<IndexSpec[]> {
    await this.durable(this.info());
    const info = this.info();
    if (!info) return [];
    const defs = this.engine.indexes.of(info.table);
    return [{ v: new Int32(2), key: { _id: new Int32(1) }, name: '_id_' }, ...defs.map((d) => listedIndex({ v: new Int32(2), ...d.spec }))];
  }

  createIndex(spec: IndexSpec): Promise<void> {
    return buildIndex(this.store, this.engine.indexes, () => this.ensure(), spec);
  }

  dropIndex(name: string): Promise<void> {
    return this.store.write(() => {
      const info = this.info();
      if (!info) throw new EngineError(NAMESPACE_NOT_FOUND, 'NamespaceNotFound', `ns not found ${this.dbName}.${this.name}`);
      this.engine.indexes.drop(info, name);
    });
  }
}
