// Caches of the embedded engine's read path.
//
// Parsed documents: deserializing BSON and building the numeric view costs ~5 µs a document, far
// more than reading the row. Entries are keyed by table + _id key and hold the row's bytes. This
// process's writes delete the entries of the rows they write; an entry is used without reading the
// row while its table keeps the document stamp (store.ts) it was last seen under, which another
// process's write or a rollback changes; after that, only when the stored bytes are identical.
//
// Query results: a scan over a collection is repeated verbatim by many clients (RESTHeart's own
// benchmark is one fixed $regex filter). Results are kept per collection version; any write to the
// collection — in this process or, through the versions table, in another — starts a new version.
//
// Both admit by frequency once there is contention (admission.ts): a document or result read once
// and never again would only be promoted to V8's old generation and die there.
import type { Document } from '../values.ts';
import type { RawDocument } from '../../json/bson-json.ts';
import { FrequencySketch, hashPair } from './admission.ts';

export interface Parsed {
  bytes: Buffer;
  /** the row's rowid (a key deleted and inserted again gets a new one) */
  rowid: number;
  /** the table's stamp when these bytes were last read from it */
  stamp: number;
  /** built on first use: a lookup the index fully answers never needs it */
  view?: Document;
  exact?: Document;
  /** the bytes as handed to a reader that only renders them (findAsStored), with their rendering */
  raw?: RawDocument;
}

// ~4 KB a 400-byte document (bytes, view, exact, rendering): ~40 MB at most
const MAX_DOCS = 10_000;
const MAX_RESULTS_PER_COLLECTION = 1024;
const MAX_RESULT_BYTES = 32 * 1024 * 1024;
/** queries seen between two halvings of the result cache's request counts */
const RESULTS_WINDOW = 4096;

export class DocCache {
  /** per table, by _id key in lower-case hex: a lookup builds no `table/key` string (3% of a page) */
  private readonly tables = new Map<string, Map<string, Parsed>>();
  private count = 0;
  /** once the cache has been full, it admits only documents asked for before */
  private full = false;
  private readonly sketch = new FrequencySketch(MAX_DOCS);

  /** The entry, when its table has not changed since it was read: no need to read the row. */
  current(table: string, key: Buffer, stamp: number): Parsed | undefined {
    return this.currentHex(table, key.toString('hex'), stamp);
  }

  /**
   * current() for a key read as `lower(hex(k))`: a string costs the reader far less than the Buffer
   * of a BLOB (a page of 100 keys: 29 vs 150–230 µs in better-sqlite3 on this VM). Counted as one
   * request for the entry.
   */
  currentHex(table: string, hexKey: string, stamp: number): Parsed | undefined {
    this.sketch.increment(hashPair(table, hexKey));
    const hit = this.tables.get(table)?.get(hexKey);
    return hit !== undefined && hit.stamp === stamp ? hit : undefined;
  }

  /** The entry, when the row just read still holds the same bytes; counted as one request for it. */
  get(table: string, key: Buffer, bytes: Buffer, stamp: number, rowid: number): Parsed | undefined {
    const hex = key.toString('hex');
    this.sketch.increment(hashPair(table, hex));
    return this.holding(table, hex, bytes, stamp, rowid);
  }

  /** The entry under this key if it holds these bytes (now current at `stamp`); a stale one goes. */
  private holding(table: string, hex: string, bytes: Buffer, stamp: number, rowid: number): Parsed | undefined {
    const docs = this.tables.get(table);
    const hit = docs?.get(hex);
    if (!hit) return undefined;
    if (hit.rowid === rowid && hit.bytes.equals(bytes)) {
      hit.stamp = stamp;
      return hit;
    }
    this.remove(table, docs!, hex);
    return undefined;
  }

  /**
   * A document just read and judged (current() was asked for it, not counted again): the entry
   * holding the same bytes, else this one, kept as set() keeps it.
   */
  adopt(table: string, key: Buffer, parsed: Parsed, stamp: number): Parsed {
    const hit = this.holding(table, key.toString('hex'), parsed.bytes, stamp, parsed.rowid);
    if (hit) return hit;
    parsed.stamp = stamp;
    this.set(table, key, parsed);
    return parsed;
  }

  /**
   * Kept when there is room, else only when asked for before (admission.ts); a full cache drops
   * the oldest tenth of each table's entries at once (one walk per thousand admissions, not one
   * per admission).
   */
  set(table: string, key: Buffer, parsed: Parsed): void {
    const hex = key.toString('hex');
    if (this.full && this.sketch.frequency(hashPair(table, hex)) < 2) return;
    if (this.count >= MAX_DOCS) {
      this.full = true;
      for (const [t, docs] of this.tables) {
        let n = Math.ceil(docs.size / 10);
        for (const k of docs.keys()) {
          if (n-- === 0) break;
          this.remove(t, docs, k);
        }
      }
    }
    let docs = this.tables.get(table);
    if (!docs) this.tables.set(table, (docs = new Map()));
    if (!docs.has(hex)) this.count++;
    docs.set(hex, parsed);
  }

  delete(table: string, key: Buffer): void {
    const docs = this.tables.get(table);
    if (docs) this.remove(table, docs, key.toString('hex'));
  }

  private remove(table: string, docs: Map<string, Parsed>, hex: string): void {
    if (!docs.delete(hex)) return;
    this.count--;
    if (docs.size === 0) this.tables.delete(table);
  }

  clear(): void {
    this.tables.clear();
    this.count = 0;
    this.full = false;
  }
}

/**
 * Bounded by entries per collection and by the bytes of the documents all entries hold (a cached
 * result keeps its documents alive even after the document cache dropped them).
 */
export class ResultCache<T> {
  private readonly byTable = new Map<string, { version: number; results: Map<string, T>; bytes: number }>();
  private readonly sizeOf: (value: T) => number;
  /** what is kept of a result admitted: a copy of whatever in it must not be held for long */
  private readonly keepable: (value: T) => T;
  private readonly maxBytes: number;
  private bytes = 0;
  private readonly sketch = new FrequencySketch(RESULTS_WINDOW);

  constructor(sizeOf: (value: T) => number, keepable: (value: T) => T = (v) => v, maxBytes = MAX_RESULT_BYTES) {
    this.sizeOf = sizeOf;
    this.keepable = keepable;
    this.maxBytes = maxBytes;
  }

  /** the last key asked for and its hash: a miss asks set() with the same key string next */
  private askedTable = '';
  private askedKey = '';
  private askedHash = 0;

  private hashOf(table: string, key: string): number {
    if (key !== this.askedKey || table !== this.askedTable) {
      this.askedTable = table;
      this.askedKey = key;
      this.askedHash = hashPair(table, key);
    }
    return this.askedHash;
  }

  get(table: string, version: number, key: string): T | undefined {
    this.sketch.increment(this.hashOf(table, key));
    const entry = this.byTable.get(table);
    return entry && entry.version === version ? entry.results.get(key) : undefined;
  }

  clear(): void {
    this.byTable.clear();
    this.bytes = 0;
  }

  /** Kept only when asked for before: a result seen once (a varying filter value) would only burden the GC. */
  set(table: string, version: number, key: string, given: T): void {
    if (this.sketch.frequency(this.hashOf(table, key)) < 2) return;
    const value = this.keepable(given);
    const size = this.sizeOf(value);
    if (size > this.maxBytes / 4) return;
    let entry = this.byTable.get(table);
    if (!entry || entry.version !== version) {
      if (entry) this.bytes -= entry.bytes;
      entry = { version, results: new Map(), bytes: 0 };
      this.byTable.set(table, entry);
    } else if (entry.results.size >= MAX_RESULTS_PER_COLLECTION) {
      // the oldest result goes, not all of them: more distinct repeated queries than the cap
      // (W6: 500) otherwise found the cache emptied every few hundred requests
      const [oldest, dropped] = entry.results.entries().next().value!;
      entry.results.delete(oldest);
      const size = this.sizeOf(dropped);
      entry.bytes -= size;
      this.bytes -= size;
    }
    if (this.bytes + size > this.maxBytes) {
      this.byTable.clear();
      entry = { version, results: new Map(), bytes: 0 };
      this.byTable.set(table, entry);
      this.bytes = 0;
    }
    entry.results.set(key, value);
    entry.bytes += size;
    this.bytes += size;
  }
}
