// Secondary indexes of the embedded engine. Each index is a WITHOUT ROWID table of (key, _id key):
// key = the compound encoding of the indexed values (keys.ts). Unique indexes key on `key` alone,
// so SQLite itself refuses a second document with the same values. Entries are maintained inside
// the same write (and savepoint) as the document, so an index never disagrees with its collection.
import { deserialize, serialize } from 'bson';
import { DUPLICATE_KEY, EngineError, INDEX_NOT_FOUND, INDEX_OPTIONS_CONFLICT, BAD_VALUE } from '../../errors.ts';
import { renderJson } from '../../json/render.ts';
import type { IndexSpec } from '../types.ts';
import { isNumeric, numberOf, toView, type Document } from '../values.ts';
import { component, missingAll, valuesAt } from './keys.ts';
import { compileFilter, type Matcher } from './query.ts';
import type { CollectionInfo, IndexRow, Store } from './store.ts';

export interface IndexField {
  field: string;
  path: string[];
  dir: 1 | -1;
}

export interface IndexDef {
  name: string;
  spec: IndexSpec;
  table: string;
  fields: IndexField[];
  /**
   * A text, geospatial or hashed index: accepted and listed as MongoDB does, but it holds no
   * entries and serves no query (the embedded engine refuses $text and geo operators).
   */
  special: boolean;
  unique: boolean;
  sparse: boolean;
  partial: Matcher | undefined;
  ttlSeconds: number | undefined;
}

const MAX_KEYS_PER_DOC = 10_000;
const SPECIAL_TYPES = new Set(['2d', '2dsphere', 'text', 'hashed']);

function cannotCreate(message: string): EngineError {
  return new EngineError(67, 'CannotCreateIndex', message);
}

function parseKey(key: Document): { fields: IndexField[]; special: boolean } {
  const entries = Object.entries(key);
  if (entries.length === 0) throw cannotCreate('index keys cannot be empty');
  const special = entries.some(([, d]) => typeof d === 'string' && SPECIAL_TYPES.has(d));
  const fields = entries.map(([field, d]): IndexField => {
    if (typeof d === 'string') {
      if (!SPECIAL_TYPES.has(d)) throw cannotCreate(`Unknown index plugin '${d}' of field '${field}': use 1, -1, '2d', '2dsphere', 'text' or 'hashed'`);
      return { field, path: field.split('.'), dir: 1 };
    }
    const n = isNumeric(d) ? numberOf(d) : Number.NaN;
    if (n !== 1 && n !== -1) throw cannotCreate(`index type ${renderJson(d)} of field '${field}' is not supported: use 1, -1, '2d', '2dsphere', 'text' or 'hashed'`);
    return { field, path: field.split('.'), dir: n };
  });
  return { fields: special ? [] : fields, special };
}

function defOf(row: IndexRow): IndexDef {
  const spec = deserialize(row.spec, { promoteValues: false }) as IndexSpec;
  const ttl = spec.expireAfterSeconds;
  const { fields, special } = parseKey(spec.key);
  return {
    name: row.name,
    spec,
    table: row.table,
    fields,
    special,
    unique: spec.unique === true,
    sparse: spec.sparse === true,
    partial: spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : undefined,
    ttlSeconds: ttl === undefined ? undefined : numberOf(ttl),
  };
}

export class Indexes {
  private readonly store: Store;
  private defs = new Map<string, IndexDef[]>();

  constructor(store: Store) {
    this.store = store;
    store.onSchemaChange = () => this.defs.clear();
  }

  of(table: string): IndexDef[] {
    let defs = this.defs.get(table);
    if (!defs) {
      // creation order, as MongoDB lists them: index tables are numbered in sequence
      defs = this.store.indexesOf(table).map(defOf).sort((a, b) => Number(a.table.slice(1)) - Number(b.table.slice(1)));
      this.defs.set(table, defs);
    }
    return defs;
  }

  /** The index keys of a document (deduplicated; none when sparse/partial leave it out). */
  keys(def: IndexDef, doc: Document): Buffer[] {
    if (def.special) return [];
    if (def.partial && !def.partial(toView(doc) as Document, () => doc)) return [];
    if (def.sparse && missingAll(doc, def.fields.map((f) => f.path))) return [];
    let keys: Buffer[] = [Buffer.alloc(0)];
    for (const f of def.fields) {
      const comps = valuesAt(doc, f.path).map((v) => component(v, f.dir));
      keys = keys.flatMap((k) => comps.map((c) => Buffer.concat([k, c])));
      if (keys.length > MAX_KEYS_PER_DOC) throw new EngineError(BAD_VALUE, 'BadValue', `too many index keys for index ${def.name}`);
    }
    const seen = new Set<string>();
    return keys.filter((k) => {
      const s = k.toString('latin1');
      return seen.has(s) ? false : (seen.add(s), true);
    });
  }

  private duplicate(info: CollectionInfo, def: IndexDef, doc: Document): EngineError {
    const dup = def.fields.map((f) => `${f.field}: ${renderJson(valuesAt(doc, f.path)[0] ?? null)}`).join(', ');
    return new EngineError(DUPLICATE_KEY, 'DuplicateKey',
      `E11000 duplicate key error collection: ${info.db}.${info.name} index: ${def.name} dup key: { ${dup} }`);
  }

  private insertEntries(info: CollectionInfo, def: IndexDef, k: Buffer, doc: Document, keys: Buffer[]): void {
    const ins = this.store.prepared(`INSERT OR IGNORE INTO ${def.table} (key, k) VALUES (?, ?)`);
    for (const key of keys) {
      if (ins.run(key, k).changes === 0 && def.unique) throw this.duplicate(info, def, doc);
    }
  }

  private deleteEntries(def: IndexDef, k: Buffer, keys: Buffer[]): void {
    const del = this.store.prepared(`DELETE FROM ${def.table} WHERE key = ? AND k = ?`);
    for (const key of keys) del.run(key, k);
  }

  /** Keeps every index of the collection in step with one document write (undefined = absent). */
  onWrite(info: CollectionInfo, k: Buffer, before: Document | undefined, after: Document | undefined): void {
    for (const def of this.of(info.table)) {
      const oldKeys = before ? this.keys(def, before) : [];
      const newKeys = after ? this.keys(def, after) : [];
      const oldSet = new Set(oldKeys.map((x) => x.toString('latin1')));
      const newSet = new Set(newKeys.map((x) => x.toString('latin1')));
      this.deleteEntries(def, k, oldKeys.filter((x) => !newSet.has(x.toString('latin1'))));
      this.insertEntries(info, def, k, after!, newKeys.filter((x) => !oldSet.has(x.toString('latin1'))));
    }
  }

  /** Only inside a write: creates the index and builds it from every document. */
  create(info: CollectionInfo, spec: IndexSpec): void {
    if (spec.name === '_id_') throw new EngineError(INDEX_OPTIONS_CONFLICT, 'IndexOptionsConflict', 'the _id index already exists');
    const { special } = parseKey(spec.key);
    if (special && spec.unique === true) throw cannotCreate('a text, geospatial or hashed index cannot be unique');
    const isText = (key: Document) => Object.values(key).includes('text');
    if (isText(spec.key) && this.of(info.table).some((d) => isText(d.spec.key) && d.name !== spec.name)) {
      throw new EngineError(INDEX_OPTIONS_CONFLICT, 'IndexOptionsConflict', 'only one text index per collection allowed');
    }
    if (spec.partialFilterExpression) compileFilter(spec.partialFilterExpression);
    const existing = this.of(info.table).find((d) => d.name === spec.name);
    if (existing) {
      if (Buffer.compare(serialize(existing.spec), serialize(spec)) === 0) return;
      throw new EngineError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index: ${spec.name}`);
    }
    // MongoDB allows one index per key pattern, unless partial filters (or collations) tell them apart
    const same = (a: unknown, b: unknown) => Buffer.compare(serialize({ v: a ?? null }), serialize({ v: b ?? null })) === 0;
    const twin = this.of(info.table).find((d) => same(toView(d.spec.key), toView(spec.key))
      && same(d.spec.partialFilterExpression, spec.partialFilterExpression) && same(d.spec.collation, spec.collation));
    if (twin) throw new EngineError(INDEX_OPTIONS_CONFLICT, 'IndexOptionsConflict', `Index already exists with a different name: ${twin.name}`);
    const table = this.store.newTable('i');
    const pk = spec.unique === true ? 'key BLOB PRIMARY KEY, k BLOB NOT NULL' : 'key BLOB NOT NULL, k BLOB NOT NULL, PRIMARY KEY (key, k)';
    this.store.sql.exec(`CREATE TABLE ${table} (${pk}) WITHOUT ROWID`);
    const row: IndexRow = { coll: info.table, name: spec.name, spec: Buffer.from(serialize(spec)), table };
    this.store.addIndexRow(row);
    const def = defOf(row);
    // in batches: SQLite refuses writes while a query over the same connection is still open
    const batch = this.store.prepared(`SELECT k, doc FROM ${info.table} WHERE k > ? ORDER BY k LIMIT 1000`);
    for (let after: Buffer = Buffer.alloc(0); ;) {
      const rows = batch.all(after) as Array<{ k: Buffer; doc: Buffer }>;
      for (const r of rows) {
        const doc = deserialize(r.doc, { promoteValues: false, bsonRegExp: true });
        this.insertEntries(info, def, r.k, doc, this.keys(def, doc));
      }
      if (rows.length < 1000) break;
      after = rows[rows.length - 1]!.k;
    }
    this.defs.delete(info.table);
  }

  /** Only inside a write. */
  drop(info: CollectionInfo, name: string): void {
    const def = this.of(info.table).find((d) => d.name === name);
    if (!def) throw new EngineError(INDEX_NOT_FOUND, 'IndexNotFound', `index not found with name [${name}]`);
    this.store.sql.exec(`DROP TABLE IF EXISTS ${def.table}`);
    this.store.forget(def.table);
    this.store.removeIndexRow(info.table, name);
    this.defs.delete(info.table);
  }

  /** _id keys of documents a TTL index has expired (indexed Date values older than the TTL). */
  expired(def: IndexDef, now: number): Buffer[] {
    if (def.ttlSeconds === undefined || def.fields.length !== 1 || def.fields[0]!.dir !== 1) return [];
    const lo = component(new Date(-8.64e15), 1).subarray(0, 1);
    const hi = component(new Date(now - def.ttlSeconds * 1000), 1);
    return (this.store.prepared(`SELECT DISTINCT k FROM ${def.table} WHERE key >= ? AND key < ?`).pluck().all(lo, hi) as Buffer[]);
  }
}
