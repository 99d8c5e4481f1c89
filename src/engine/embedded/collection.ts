// A collection of the embedded engine: MongoDB's collection API over one SQLite table.
// Reads run synchronously on the connection (WAL readers never block); writes go through the
// store's group-commit queue and run inside it, so read-modify-write is atomic per operation.
import { deserialize, serialize } from 'bson';
import { Aggregator } from 'mingo';
import { BAD_VALUE, DUPLICATE_KEY, EngineError, IMMUTABLE_FIELD, notImplemented } from '../../errors.ts';
import { renderJson } from '../../json/render.ts';
import { compileProjection } from '../projection.ts';
import type {
  BulkOperation, BulkResult, Collection, DeleteResult, Filter, FindOptions, IndexSpec, UpdateOptions,
  UpdateResult, UpdateSpec,
} from '../types.ts';
import { applyUpdate } from '../update.ts';
import { ObjectId, fromView, isPlainObject, toView, valuesEqual, type Document } from '../values.ts';
import { idKey } from './id-key.ts';
import { compileFilter, compileSort, idOnlySort, pinnedIds } from './query.ts';
import type { CollectionInfo, Store } from './store.ts';

const EXACT = { promoteValues: false } as const;

interface Row {
  k: Buffer;
  doc: Buffer;
}

interface Hit {
  row: Row;
  view: Document;
}

function viewOf(buf: Buffer): Document {
  return toView(deserialize(buf)) as Document;
}

function exactOf(buf: Buffer): Document {
  return deserialize(buf, EXACT);
}

/** MongoDB stores _id first; a document without one gets a new ObjectId. */
function withIdFirst(doc: Document, id?: unknown): Document {
  const _id = id !== undefined ? id : doc._id !== undefined ? doc._id : new ObjectId();
  const out: Document = { _id };
  for (const k in doc) if (k !== '_id') out[k] = doc[k];
  return out;
}

function duplicateKey(info: CollectionInfo, id: unknown): EngineError {
  return new EngineError(DUPLICATE_KEY, 'DuplicateKey',
    `E11000 duplicate key error collection: ${info.db}.${info.name} index: _id_ dup key: { _id: ${renderJson(id)} }`);
}

/** Equality fields of a filter: the seed of an upserted document (MongoDB's rule). */
function upsertSeed(filter: Filter): Document {
  const seed: Document = {};
  const visit = (f: Filter) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((c) => isPlainObject(c) && visit(c));
      else if (k.startsWith('$')) continue;
      else if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if (Object.hasOwn(v, '$eq')) seed[k] = v.$eq;
      } else if (!(v instanceof RegExp)) seed[k] = v;
    }
  };
  visit(filter);
  return applyUpdate({}, { $set: seed }, { isUpsertInsert: true, now: new Date() });
}

export class EmbeddedCollection implements Collection {
  readonly dbName: string;
  readonly name: string;
  private readonly store: Store;

  constructor(store: Store, dbName: string, name: string) {
    this.store = store;
    this.dbName = dbName;
    this.name = name;
  }

  private info(): CollectionInfo | undefined {
    return this.store.collectionInfo(this.dbName, this.name);
  }

  private stmt(info: CollectionInfo, sql: string) {
    return this.store.prepared(sql.replaceAll('$T', ` ${info.table} `));
  }

  /** Matching rows, sorted and paged; the shared core of every read and write. */
  private scan(info: CollectionInfo, filter: Filter, opts: FindOptions = {}): Hit[] {
    const matcher = compileFilter(filter);
    const skip = opts.skip ?? 0;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const ids = pinnedIds(filter);
    const sortDir = idOnlySort(opts.sort);
    const natural = isPlainObject(opts.hint) && opts.hint.$natural !== undefined ? (opts.hint.$natural === -1 ? -1 : 1) : undefined;
    let hits: Hit[] = [];
    if (ids) {
      const get = this.stmt(info, 'SELECT k, doc FROM $T WHERE k = ?');
      const seen = new Set<string>();
      for (const id of ids) {
        const k = idKey(id);
        if (seen.has(k.toString('latin1'))) continue;
        seen.add(k.toString('latin1'));
        const row = get.get(k) as Row | undefined;
        if (!row) continue;
        const view = viewOf(row.doc);
        if (matcher(view)) hits.push({ row, view });
      }
      hits.sort((a, b) => Buffer.compare(a.row.k, b.row.k));
    } else {
      const dir = sortDir ?? natural ?? 1;
      const ordered = sortDir !== undefined;
      const rows = this.stmt(info, `SELECT k, doc FROM $T ORDER BY k ${dir === -1 ? 'DESC' : 'ASC'}`).iterate() as IterableIterator<Row>;
      let skipped = 0;
      for (const row of rows) {
        const view = viewOf(row.doc);
        if (!matcher(view)) continue;
        if (ordered) {
          if (skipped < skip) { skipped++; continue; }
          hits.push({ row, view });
          if (hits.length >= limit) break;
        } else hits.push({ row, view });
      }
      if (ordered) return hits;
    }
    if (sortDir === -1) hits.reverse();
    else if (sortDir === undefined) {
      const cmp = compileSort(opts.sort!);
      hits.sort((a, b) => cmp(a.view, b.view));
    }
    if (skip || limit !== Infinity) hits = hits.slice(skip, skip + limit);
    return hits;
  }

  async find(filter: Filter, opts: FindOptions = {}): Promise<Document[]> {
    const project = opts.projection && Object.keys(opts.projection).length ? compileProjection(opts.projection) : undefined;
    const info = this.info();
    if (!info) return [];
    return this.scan(info, filter, opts).map((h) => {
      const doc = exactOf(h.row.doc);
      return project ? project(doc) : doc;
    });
  }

  async findOne(filter: Filter, opts: FindOptions = {}): Promise<Document | null> {
    return (await this.find(filter, { ...opts, limit: 1 }))[0] ?? null;
  }

  async countDocuments(filter: Filter): Promise<number> {
    const info = this.info();
    if (!info) return 0;
    if (Object.keys(filter).length === 0) return this.estimate(info);
    return this.scan(info, filter).length;
  }

  private estimate(info: CollectionInfo): number {
    return this.stmt(info, 'SELECT count(*) FROM $T').pluck().get() as number;
  }

  async estimatedDocumentCount(): Promise<number> {
    const info = this.info();
    return info ? this.estimate(info) : 0;
  }

  private ensure(): CollectionInfo {
    return this.store.createCollection(this.dbName, this.name);
  }

  private insertSync(info: CollectionInfo, doc: Document): unknown {
    const full = withIdFirst(doc);
    if (Array.isArray(full._id)) throw new EngineError(BAD_VALUE, 'BadValue', 'The \'_id\' value cannot be of type array');
    const res = this.stmt(info, 'INSERT OR IGNORE INTO $T (k, doc) VALUES (?, ?)').run(idKey(full._id), serialize(full));
    if (res.changes === 0) throw duplicateKey(info, full._id);
    return full._id;
  }

  private writeRow(info: CollectionInfo, row: Row, doc: Document): void {
    this.stmt(info, 'UPDATE $T SET doc = ? WHERE k = ?').run(serialize(doc), row.k);
  }

  async insertOne(doc: Document): Promise<{ insertedId: unknown }> {
    return this.store.write(() => ({ insertedId: this.insertSync(this.ensure(), doc) }));
  }

  private replaceSync(info: CollectionInfo, filter: Filter, replacement: Document, upsert: boolean): UpdateResult {
    const [hit] = this.scan(info, filter, { limit: 1 });
    if (hit) {
      const old = exactOf(hit.row.doc);
      if (replacement._id !== undefined && !valuesEqual(replacement._id, old._id)) {
        throw new EngineError(IMMUTABLE_FIELD, 'ImmutableField',
          `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${renderJson(replacement._id)}`);
      }
      const next = withIdFirst(replacement, old._id);
      const bytes = serialize(next);
      const modified = Buffer.compare(bytes, hit.row.doc) !== 0;
      if (modified) this.stmt(info, 'UPDATE $T SET doc = ? WHERE k = ?').run(bytes, hit.row.k);
      return { matchedCount: 1, modifiedCount: modified ? 1 : 0, upsertedCount: 0, upsertedId: null };
    }
    if (!upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
    const seed = upsertSeed(filter);
    const id = this.insertSync(info, withIdFirst(replacement, replacement._id ?? seed._id));
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
  }

  private updateSync(info: CollectionInfo, filter: Filter, update: UpdateSpec, opts: UpdateOptions, many: boolean): UpdateResult {
    const hits = this.scan(info, filter, many ? {} : { limit: 1 });
    const now = new Date();
    let modifiedCount = 0;
    for (const hit of hits) {
      const old = exactOf(hit.row.doc);
      const next = applyUpdate(old, update, { isUpsertInsert: false, now, arrayFilters: opts.arrayFilters });
      if (!valuesEqual(next._id, old._id)) {
        throw new EngineError(IMMUTABLE_FIELD, 'ImmutableField',
          "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      const bytes = serialize(next);
      if (Buffer.compare(bytes, hit.row.doc) !== 0) {
        this.writeRow(info, hit.row, next);
        modifiedCount++;
      }
    }
    if (hits.length || !opts.upsert) {
      return { matchedCount: hits.length, modifiedCount, upsertedCount: 0, upsertedId: null };
    }
    const doc = applyUpdate(upsertSeed(filter), update, { isUpsertInsert: true, now, arrayFilters: opts.arrayFilters });
    const id = this.insertSync(info, doc);
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
  }

  private deleteSync(info: CollectionInfo, filter: Filter, many: boolean): DeleteResult {
    const hits = this.scan(info, filter, many ? {} : { limit: 1 });
    const del = this.stmt(info, 'DELETE FROM $T WHERE k = ?');
    for (const h of hits) del.run(h.row.k);
    return { deletedCount: hits.length };
  }

  replaceOne(filter: Filter, doc: Document, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.store.write(() => this.replaceSync(this.ensure(), filter, doc, opts.upsert ?? false));
  }

  updateOne(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.store.write(() => this.updateSync(this.ensure(), filter, update, opts, false));
  }

  updateMany(filter: Filter, update: UpdateSpec, opts: UpdateOptions = {}): Promise<UpdateResult> {
    return this.store.write(() => this.updateSync(this.ensure(), filter, update, opts, true));
  }

  deleteOne(filter: Filter): Promise<DeleteResult> {
    return this.store.write(() => {
      const info = this.info();
      return info ? this.deleteSync(info, filter, false) : { deletedCount: 0 };
    });
  }

  deleteMany(filter: Filter): Promise<DeleteResult> {
    return this.store.write(() => {
      const info = this.info();
      return info ? this.deleteSync(info, filter, true) : { deletedCount: 0 };
    });
  }

  bulkWrite(ops: BulkOperation[]): Promise<BulkResult> {
    return this.store.write(() => {
      const info = this.ensure();
      const r: BulkResult = {
        insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0,
        insertedIds: new Map(), upsertedIds: new Map(), writeErrors: [],
      };
      const sql = this.store.sql;
      ops.forEach((op, index) => {
        sql.exec('SAVEPOINT op');
        try {
          if ('insertOne' in op) {
            r.insertedIds.set(index, this.insertSync(info, op.insertOne.document));
            r.insertedCount++;
          } else if ('deleteOne' in op || 'deleteMany' in op) {
            const many = 'deleteMany' in op;
            r.deletedCount += this.deleteSync(info, many ? op.deleteMany.filter : op.deleteOne.filter, many).deletedCount;
          } else {
            const u = 'replaceOne' in op
              ? this.replaceSync(info, op.replaceOne.filter, op.replaceOne.replacement, op.replaceOne.upsert ?? false)
              : 'updateOne' in op
                ? this.updateSync(info, op.updateOne.filter, op.updateOne.update, { upsert: op.updateOne.upsert }, false)
                : this.updateSync(info, op.updateMany.filter, op.updateMany.update, {}, true);
            r.matchedCount += u.matchedCount;
            r.modifiedCount += u.modifiedCount;
            if (u.upsertedCount) {
              r.upsertedCount++;
              r.upsertedIds.set(index, u.upsertedId);
            }
          }
          sql.exec('RELEASE op');
        } catch (e) {
          sql.exec('ROLLBACK TO op');
          sql.exec('RELEASE op');
          if (!(e instanceof EngineError)) throw e;
          r.writeErrors.push({ index, code: e.code, message: e.message });
        }
      });
      return r;
    });
  }

  async aggregate(pipeline: Document[]): Promise<Document[]> {
    const info = this.info();
    const views = info ? this.scan(info, {}).map((h) => h.view) : [];
    let out: unknown[];
    try {
      out = new Aggregator(toView(pipeline) as Document[], { scriptEnabled: false }).run(views);
    } catch (e) {
      throw new EngineError(BAD_VALUE, 'BadValue', (e as Error).message);
    }
    return out.map((d) => fromView(d) as Document);
  }

  async listIndexes(): Promise<IndexSpec[]> {
    return [{ v: 2, key: { _id: 1 }, name: '_id_' }];
  }

  async createIndex(): Promise<void> {
    throw notImplemented('secondary indexes are not implemented by the embedded engine yet');
  }

  async dropIndex(): Promise<void> {
    throw notImplemented('secondary indexes are not implemented by the embedded engine yet');
  }
}
