// The data client plugins get (`mclient`): the MongoDB driver's Db/Collection API over docrest's
// engine interface, so one plugin runs on the embedded engine and on MongoDB alike. Values go in
// as the driver would serialize them (JS numbers: int32 when integral and in range, else double)
// and come out as the driver returns them by default (int32/double/safe int64 as JS numbers).
// The engine's lifecycle (close), sessions and change streams are not handed out.
import type { Collection, Engine, FindOptions as EngineFindOptions, Sort } from '../engine/types.ts';
import { Double, Int32, Long, isPlainObject, type Document } from '../engine/values.ts';
import type {
  AggregationCursor, Cursor, DataClient, DeleteResult, FindOptions, PluginCollection, PluginDb, SortSpec, UpdateResult,
} from './api.ts';

/** A plugin's value → the exact model (values.ts). */
export function toExact(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0) ? new Int32(v) : new Double(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toExact);
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const k in v) out[k] = toExact(v[k]);
  return out;
}

/** The exact model → what the driver returns by default. */
export function promote(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Int32 || v instanceof Double) return v.value;
  if (v instanceof Long) return Number.isSafeInteger(v.toNumber()) ? v.toNumber() : v;
  if (Array.isArray(v)) return v.map(promote);
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const k in v) out[k] = promote(v[k]);
  return out;
}

const doc = (v: unknown) => toExact(v ?? {}) as Document;

function sortOf(s: SortSpec): Sort {
  const pairs = Array.isArray(s) ? s : Object.entries(s);
  return pairs.map(([k, d]) => [k, Number(d) < 0 ? -1 : 1]);
}

function updateResult(r: { matchedCount: number; modifiedCount: number; upsertedCount: number; upsertedId: unknown }): UpdateResult {
  return { acknowledged: true, matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount, upsertedId: promote(r.upsertedId) ?? null };
}

function arrayCursor(run: () => Promise<Document[]>): AggregationCursor {
  const toArray = async () => (await run()).map((d) => promote(d) as Document);
  return {
    toArray,
    async *[Symbol.asyncIterator]() {
      yield* await toArray();
    },
  };
}

class FindCursor implements Cursor {
  private readonly opts: EngineFindOptions = {};
  private readonly coll: Collection;
  private readonly filter: Document;
  constructor(coll: Collection, filter: Document, options: FindOptions = {}) {
    this.coll = coll;
    this.filter = filter;
    if (options.sort) this.sort(options.sort);
    if (options.projection) this.project(options.projection);
    if (options.skip !== undefined) this.skip(options.skip);
    if (options.limit !== undefined) this.limit(options.limit);
    if (options.maxTimeMS !== undefined) this.maxTimeMS(options.maxTimeMS);
  }
  sort(sort: SortSpec): this {
    this.opts.sort = sortOf(sort);
    return this;
  }
  project(projection: Document): this {
    this.opts.projection = doc(projection);
    return this;
  }
  skip(n: number): this {
    this.opts.skip = n;
    return this;
  }
  limit(n: number): this {
    // the driver's limit(0) is no limit
    this.opts.limit = n === 0 ? undefined : Math.abs(n);
    return this;
  }
  maxTimeMS(ms: number): this {
    this.opts.maxTimeMS = ms;
    return this;
  }
  async toArray(): Promise<Document[]> {
    return (await this.coll.find(this.filter, this.opts)).map((d) => promote(d) as Document);
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Document> {
    yield* await this.toArray();
  }
}

class PluginCollectionImpl implements PluginCollection {
  private readonly coll: Collection;
  constructor(coll: Collection) {
    this.coll = coll;
  }
  get dbName() { return this.coll.dbName; }
  get collectionName() { return this.coll.name; }
  find(filter?: Document, options?: FindOptions): Cursor {
    return new FindCursor(this.coll, doc(filter), options);
  }
  async findOne(filter?: Document, options?: FindOptions): Promise<Document | null> {
    const [first] = await new FindCursor(this.coll, doc(filter), options).limit(1).toArray();
    return first ?? null;
  }
  countDocuments(filter?: Document) {
    return this.coll.countDocuments(doc(filter));
  }
  estimatedDocumentCount() {
    return this.coll.estimatedDocumentCount();
  }
  async insertOne(d: Document) {
    const r = await this.coll.insertOne(doc(d));
    return { acknowledged: true as const, insertedId: promote(r.insertedId) };
  }
  async insertMany(docs: Document[]) {
    const insertedIds: Record<number, unknown> = {};
    let i = 0;
    for (const d of docs) insertedIds[i++] = promote((await this.coll.insertOne(doc(d))).insertedId);
    return { acknowledged: true as const, insertedCount: i, insertedIds };
  }
  async replaceOne(filter: Document, d: Document, options: { upsert?: boolean } = {}) {
    return updateResult(await this.coll.replaceOne(doc(filter), doc(d), { upsert: options.upsert }));
  }
  async updateOne(filter: Document, update: Document | Document[], options: { upsert?: boolean; arrayFilters?: Document[] } = {}) {
    return updateResult(await this.coll.updateOne(doc(filter), toExact(update) as Document, { upsert: options.upsert, arrayFilters: options.arrayFilters?.map(doc) }));
  }
  async updateMany(filter: Document, update: Document | Document[], options: { upsert?: boolean; arrayFilters?: Document[] } = {}) {
    return updateResult(await this.coll.updateMany(doc(filter), toExact(update) as Document, { upsert: options.upsert, arrayFilters: options.arrayFilters?.map(doc) }));
  }
  async deleteOne(filter: Document): Promise<DeleteResult> {
    return { acknowledged: true, deletedCount: (await this.coll.deleteOne(doc(filter))).deletedCount };
  }
  async deleteMany(filter: Document): Promise<DeleteResult> {
    return { acknowledged: true, deletedCount: (await this.coll.deleteMany(doc(filter))).deletedCount };
  }
  aggregate(pipeline: Document[], options: { maxTimeMS?: number; allowDiskUse?: boolean } = {}): AggregationCursor {
    return arrayCursor(() => this.coll.aggregate(pipeline.map(doc), options));
  }
  listIndexes(): AggregationCursor {
    return arrayCursor(async () => (await this.coll.listIndexes()) as Document[]);
  }
}

export function dataClient(engine: Engine): DataClient {
  return {
    db(name: string): PluginDb {
      const db = engine.db(name);
      return {
        databaseName: name,
        collection: (c) => new PluginCollectionImpl(db.collection(c)),
        listCollections: () => ({ toArray: async () => (await db.listCollections()).map((n) => ({ name: n, type: 'collection' as const })) }),
        async createCollection(c) {
          await db.createCollection(c);
          return new PluginCollectionImpl(db.collection(c));
        },
        dropCollection: (c) => db.dropCollection(c),
      };
    },
  };
}
