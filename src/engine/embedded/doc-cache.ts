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
import { FrequencySketch, hashString } from './admission.ts';

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

/** A row's entry: its table and its _id key in lower-case hex (table names hold no '/'). */
const idOf = (table: string, hexKey: string) => `${table}/${hexKey}`;

export class DocCache {
  private readonly docs = new Map<string, Parsed>();
  /** once the cache has been full, it admits only documents asked for before */
  private full = false;
  private readonly sketch = new FrequencySketch(MAX_DOCS);

  /** The cache key, counted as one request for it. */
  private asked(table: string, hexKey: string): string {
    const id = idOf(table, hexKey);
    this.sketch.increment(hashString(id));
    return id;
  }

  /** The entry, when its table has not changed since it was read: no need to read the row. */
  current(table: string, key: Buffer, stamp: number): Parsed | undefined {
    return this.currentHex(table, key.toString('hex'), stamp);
  }

  /**
   * current() for a key read as `lower(hex(k))`: a string costs the reader far less than the Buffer
   * of a BLOB (a page of 100 keys: 29 vs 150–230 µs in better-sqlite3 on this VM).
   */
  currentHex(table: string, hexKey: string, stamp: number): Parsed | undefined {
    const hit = this.docs.get(this.asked(table, hexKey));
    return hit !== undefined && hit.stamp === stamp ? hit : undefined;
  }

  /** The entry, when the row just read still holds the same bytes. */
  get(table: string, key: Buffer, bytes: Buffer, stamp: number, rowid: number): Parsed | undefined {
    return this.holding(this.asked(table, key.toString('hex')), bytes, stamp, rowid);
  }

  /** The entry under this id if it holds these bytes (now current at `stamp`); a stale one goes. */
  private holding(id: string, bytes: Buffer, stamp: number, rowid: number): Parsed | undefined {
    const hit = this.docs.get(id);
    if (!hit) return undefined;
    if (hit.rowid === rowid && hit.bytes.equals(bytes)) {
      hit.stamp = stamp;
      return hit;
    }
    this.docs.delete(id);
    return undefined;
  }

  /**
   * A document just read and judged (current() was asked for it, not counted again): the entry
   * holding the same bytes, else this one, kept as set() keeps it.
   */
  adopt(table: string, key: Buffer, parsed: Parsed, stamp: number): Parsed {
    const hit = this.holding(idOf(table, key.toString('hex')), parsed.bytes, stamp, parsed.rowid);
    if (hit) return hit;
    parsed.stamp = stamp;
    this.set(table, key, parsed);
    return parsed;
  }

  /**
   * Kept when there is room, else only when asked for before (admission.ts); a full cache drops
   * its oldest tenth at once (one Map walk per thousand admissions, not one per admission).
   */
  set(table: string, key: Buffer, parsed: Parsed): void {
    const id = idOf(table, key.toString('hex'));
    if (this.full && this.sketch.frequency(hashString(id)) < 2) return;
    if (this.docs.size >= MAX_DOCS) {
      this.full = true;
      let n = MAX_DOCS / 10;
      for (const k of this.docs.keys()) {
        this.docs.delete(k);
        if (--n === 0) break;
      }
    }
    this.docs.set(id, parsed);
  }

  delete(table: string, key: Buffer): void {
    this.docs.delete(idOf(table, key.toString('hex')));
  }

  clear(): void {
    this.docs.clear();
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
  private readonly maxBytes: number;
  private bytes = 0;
  private readonly sketch = new FrequencySketch(RESULTS_WINDOW);

  constructor(sizeOf: (value: T) => number, maxBytes = MAX_RESULT_BYTES) {
    this.sizeOf = sizeOf;
    this.maxBytes = maxBytes;
  }

  get(table: string, version: number, key: string): T | undefined {
    this.sketch.increment(hashString(table + key));
    const entry = this.byTable.get(table);
    return entry && entry.version === version ? entry.results.get(key) : undefined;
  }

  clear(): void {
    this.byTable.clear();
    this.bytes = 0;
  }

  /** Kept only when asked for before: a result seen once (a varying filter value) would only burden the GC. */
  set(table: string, version: number, key: string, value: T): void {
    if (this.sketch.frequency(hashString(table + key)) < 2) return;
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
