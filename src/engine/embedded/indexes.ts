// Secondary indexes of the embedded engine. Each index is a WITHOUT ROWID table of (key, _id key):
// key = the compound encoding of the indexed values (keys.ts). Unique indexes key on `key` alone,
// so SQLite itself refuses a second document with the same values. Entries are maintained inside
// the same write (and savepoint) as the document, so an index never disagrees with its collection.
// An index being built (index-build.ts) is maintained by every write like a complete one, but
// only complete ones are offered to planners, hints, TTL sweeps and listings (`of`).
import { deserialize, serialize } from 'bson';
import { DUPLICATE_KEY, EngineError, INDEX_NOT_FOUND, INDEX_OPTIONS_CONFLICT, BAD_VALUE } from '../../errors.ts';
import { renderJson } from '../../json/render.ts';
import type { IndexSpec } from '../types.ts';
import { isNumeric, numberOf, toView, type Document } from '../values.ts';
import { component, missingAll, valuesAt } from './keys.ts';
import { compileFilter, type Matcher } from './query.ts';
import type { CollectionInfo, IndexRow, Store } from './store.ts';
import { retireTable } from './retired.ts';

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
  /** the pid of the process building it; undefined once complete */
  builder: number | undefined;
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
    builder: row.builder ?? undefined,
  };
}

export class Indexes {
  private readonly store: Store;
  private defs = new Map<string, { all: IndexDef[]; complete: IndexDef[] }>();

  constructor(store: Store) {
    this.store = store;
    store.onSchemaChange = () => this.defs.clear();
  }

  private load(table: string): { all: IndexDef[]; complete: IndexDef[] } {
    let defs = this.defs.get(table);
    if (!defs) {
      // creation order, as MongoDB lists them: index tables are numbered in sequence
      const all = this.store.indexesOf(table).map(defOf).sort((a, b) => Number(a.table.slice(1)) - Number(b.table.slice(1)));
      defs = { all, complete: all.filter((d) => d.builder === undefined) };
      this.defs.set(table, defs);
    }
    return defs;
  }

  /** The complete indexes: the only ones a query, a hint, a TTL sweep or a listing may use. */
  of(table: string): IndexDef[] {
    return this.load(table).complete;
  }

  /** Every index, including those being built: what writes maintain. */
  all(table: string): IndexDef[] {
    return this.load(table).all;
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

  /**
   * A backfilled document's entries (index-build.ts). A write since the build began may have
   * added them already: only another document holding the same unique key is a duplicate.
   */
  addEntries(info: CollectionInfo, def: IndexDef, k: Buffer, doc: Document): void {
    const ins = this.store.prepared(`INSERT OR IGNORE INTO ${def.table} (key, k) VALUES (?, ?)`);
    const owner = this.store.prepared(`SELECT k FROM ${def.table} WHERE key = ?`).pluck();
    for (const key of this.keys(def, doc)) {
      if (ins.run(key, k).changes === 0 && def.unique && !k.equals(owner.get(key) as Buffer)) throw this.duplicate(info, def, doc);
    }
  }

  /**
   * Keeps every index of the collection in step with one document write (undefined = absent),
   * those being built included: a write that breaks a unique index being built is refused.
   */
  onWrite(info: CollectionInfo, k: Buffer, before: Document | undefined, after: Document | undefined): void {
    for (const def of this.all(info.table)) {
      const oldKeys = before ? this.keys(def, before) : [];
      const newKeys = after ? this.keys(def, after) : [];
      const oldSet = new Set(oldKeys.map((x) => x.toString('latin1')));
      const newSet = new Set(newKeys.map((x) => x.toString('latin1')));
      this.deleteEntries(def, k, oldKeys.filter((x) => !newSet.has(x.toString('latin1'))));
      this.insertEntries(info, def, k, after!, newKeys.filter((x) => !oldSet.has(x.toString('latin1'))));
    }
  }

  /**
   * Only inside a write: registers the index as being built by this process (index-build.ts fills
   * it). 'exists': the same index is complete; an IndexDef being built: the same index, still
   * being built (perhaps by a process that died: index-build.ts decides).
   */
  begin(info: CollectionInfo, spec: IndexSpec): { def: IndexDef } | { building: IndexDef } | 'exists' {
    if (spec.name === '_id_') throw new EngineError(INDEX_OPTIONS_CONFLICT, 'IndexOptionsConflict', 'the _id index already exists');
    const { special } = parseKey(spec.key);
    if (special && spec.unique === true) throw cannotCreate('a text, geospatial or hashed index cannot be unique');
    const isText = (key: Document) => Object.values(key).includes('text');
    if (isText(spec.key) && this.all(info.table).some((d) => isText(d.spec.key) && d.name !== spec.name)) {
      throw new EngineError(INDEX_OPTIONS_CONFLICT, 'IndexOptionsConflict', 'only one text index per collection allowed');
    }
    if (spec.partialFilterExpression) compileFilter(spec.partialFilterExpression);
    const existing = this.all(info.table).find((d) => d.name === spec.name);
    if (existing) {
      if (Buffer.compare(serialize(existing.spec), serialize(spec)) === 0) return existing.builder === undefined ? 'exists' : { building: existing };
      throw new EngineError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index: ${spec.name}`);
    }
    // MongoDB allows one index per key pattern, unless partial filters (or collations) tell them apart
    const same = (a: unknown, b: unknown) => Buffer.compare(serialize({ v: a ?? null }), serialize({ v: b ?? null })) === 0;
    const twin = this.all(info.table).find((d) => same(toView(d.spec.key), toView(spec.key))
      && same(d.spec.partialFilterExpression, spec.partialFilterExpression) && same(d.spec.collation, spec.collation));
    if (twin) throw new EngineError(INDEX_OPTIONS_CONFLICT, 'IndexOptionsConflict', `Index already exists with a different name: ${twin.name}`);
    const table = this.store.newTable('i');
    const pk = spec.unique === true ? 'key BLOB PRIMARY KEY, k BLOB NOT NULL' : 'key BLOB NOT NULL, k BLOB NOT NULL, PRIMARY KEY (key, k)';
    this.store.sql.exec(`CREATE TABLE ${table} (${pk}) WITHOUT ROWID`);
    const row: IndexRow = { coll: info.table, name: spec.name, spec: Buffer.from(serialize(spec)), table, builder: process.pid, beat: Date.now() };
    this.store.addIndexRow(row);
    this.defs.delete(info.table);
    return { def: defOf(row) };
  }

  /** Only inside a write. */
  drop(info: CollectionInfo, name: string): void {
    const def = this.all(info.table).find((d) => d.name === name);
    if (!def) throw new EngineError(INDEX_NOT_FOUND, 'IndexNotFound', `index not found with name [${name}]`);
    retireTable(this.store, def.table);
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
