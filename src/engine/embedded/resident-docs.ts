// The documents of rows read through postings (index-postings.ts), held in memory compactly: per
// rowid, the _id key and the BSON bytes back to back in large arena buffers, and the default-mode
// JSON as one string. A hit made from them costs a few objects and no read, no render.
//
// Why not the document cache (doc-cache.ts): its entries are a few JS objects and Buffers each. Held
// for the 100k documents of the benchmark's V5 (a page of ten through an index, varying key), they
// put 400 MB in the heap and GC at 19% of the CPU (profiled). Here 100k rows are ~100 MB outside the
// heap plus 100k strings, which the collector marks without walking.
//
// Entries follow commits (RowWatcher): a row written is dropped from here in the same step as its
// commit, so an entry is the row as committed. The arena only grows; over its budget everything
// goes at once and fills again from reads (a write-heavy table refills it, a read-mostly one keeps it).
import { RawDocument } from '../../json/bson-json.ts';
import { renderItem } from '../../json/render.ts';
import type { Document } from '../values.ts';
import type { Parsed } from './doc-cache.ts';
import type { Hit } from './hits.ts';

// 32 MB: glibc serves it with mmap whatever its adaptive threshold says, so a dropped arena gives
// its memory back to the system
const CHUNK = 32 << 20;
/** documents larger than this are not kept (the arena is for many small ones) */
const MAX_ENTRY = 1 << 20;
const TWO_32 = 2 ** 32;

class TableDocs {
  /** per rowid: (chunk + 1) × 2^32 + offset of its key; 0 when not held */
  at = new Float64Array(0);
  klen = new Uint16Array(0);
  json: Array<string | undefined> = [];
  /** what the table's rows took of the budget */
  bytes = 0;

  grow(rowid: number): void {
    if (rowid < this.at.length) return;
    let cap = Math.max(1024, this.at.length);
    while (cap <= rowid) cap *= 2;
    const at = new Float64Array(cap);
    at.set(this.at);
    const klen = new Uint16Array(cap);
    klen.set(this.klen);
    // sized up front: rows arrive in any order, and a write far past an array's end turns it into
    // a dictionary
    const json = new Array<string | undefined>(cap);
    for (let i = 0; i < this.json.length; i++) json[i] = this.json[i];
    this.at = at;
    this.klen = klen;
    this.json = json;
  }
}

export class ResidentDocs {
  private readonly budget: number;
  private chunks: Buffer[] = [];
  private pos = CHUNK;
  private used = 0;
  private tables = new Map<string, TableDocs>();

  constructor(budgetBytes: number) {
    this.budget = budgetBytes;
  }

  /** The row's hit, when held. */
  get(table: string, rowid: number): ResidentHit | undefined {
    const t = this.tables.get(table);
    const a = t && rowid < t.at.length ? t.at[rowid]! : 0;
    if (a === 0) return undefined;
    return new ResidentHit(this.chunks[Math.floor(a / TWO_32) - 1]!, a % TWO_32, t!.klen[rowid]!, rowid, t!.json[rowid]!);
  }

  /**
   * Keeps the row as read now (in the step that read it) and gives its hit; `doc` may be a view
   * into a larger read (packed-rows.ts): it is copied.
   */
  put(table: string, rowid: number, hex: string, doc: Buffer): ResidentHit {
    const raw = new RawDocument(doc);
    renderItem(raw);
    const json = raw.json!;
    const klen = hex.length >> 1;
    const need = klen + doc.length;
    if (need > MAX_ENTRY || klen > 0xffff) return new ResidentHit(Buffer.concat([Buffer.from(hex, 'hex'), doc]), 0, klen, rowid, json);
    if (this.used + need + json.length > this.budget) this.clear();
    if (this.pos + need > CHUNK) {
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK));
      this.pos = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    const off = this.pos;
    chunk.write(hex, off, 'hex');
    chunk.set(doc, off + klen);
    this.pos += need;
    this.used += need + json.length;
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new TableDocs()));
    t.grow(rowid);
    t.bytes += need + json.length;
    t.at[rowid] = this.chunks.length * TWO_32 + off;
    t.klen[rowid] = klen;
    t.json[rowid] = json;
    return new ResidentHit(chunk, off, klen, rowid, json);
  }

  /** Rows just committed: what was held of them is stale. */
  written(table: string, rowids: number[]): void {
    const t = this.tables.get(table);
    if (!t) return;
    for (const r of rowids) {
      if (r >= t.at.length) continue;
      t.at[r] = 0;
      t.json[r] = undefined;
    }
  }

  /** Drops the table's rows (the arena goes with the last table); tells how many bytes they took. */
  forget(table: string): number {
    const bytes = this.tables.get(table)?.bytes ?? 0;
    this.tables.delete(table);
    if (this.tables.size === 0) this.clear();
    return bytes;
  }

  clear(): void {
    this.tables = new Map();
    this.chunks = [];
    this.pos = CHUNK;
    this.used = 0;
  }
}

/**
 * A hit whose key and bytes are views into the arena: one such view kept (the result cache) would
 * hold its whole 32 MB chunk after the rows in it were dropped; unpinned() copies what is to be
 * kept. Its key is compared where it lies: a hex string per hit was 3.4% of V5's CPU (profiled).
 * It is its own Parsed and its own RawDocument, whose bytes are made only if asked for: a page
 * that the index answers only renders (a Buffer view per document was ~3% of V5's CPU).
 */
export class ResidentHit extends RawDocument implements Hit, Parsed {
  readonly rowid: number;
  readonly parsed: Parsed;
  readonly stamp = 0;
  readonly raw: RawDocument;
  view: Document | undefined = undefined;
  exact: Document | undefined = undefined;
  /** the arena chunk: the _id key at off, then the document (BSON, its length first) */
  private readonly at: Buffer;
  private readonly off: number;
  private readonly klen: number;

  constructor(at: Buffer, off: number, klen: number, rowid: number, json: string) {
    super();
    this.at = at;
    this.off = off;
    this.klen = klen;
    this.rowid = rowid;
    this.json = json;
    this.parsed = this;
    this.raw = this;
  }

  protected override bytesOf(): Buffer {
    const start = this.off + this.klen;
    return this.at.subarray(start, start + this.at.readInt32LE(start));
  }

  get k(): Buffer {
    return this.at.subarray(this.off, this.off + this.klen);
  }

  /**
   * <0, 0, >0 as this hit's _id key sorts before, with or after the other's. Compared here, not by
   * Buffer#compare: its call into C++ cost more than the dozen bytes of a key (1.4% of V5, profiled).
   */
  compareKey(o: ResidentHit): number {
    const a = this.at;
    const b = o.at;
    const n = Math.min(this.klen, o.klen);
    for (let i = this.off, j = o.off, end = this.off + n; i < end; i++, j++) {
      if (a[i] !== b[j]) return a[i]! - b[j]!;
    }
    return this.klen - o.klen;
  }
}

/** The hits with those from the arena copied out of it (the bytes, the rendering shared). */
export function unpinned(hits: Hit[]): Hit[] {
  return hits.map((h) => {
    if (!(h instanceof ResidentHit)) return h;
    const bytes = Buffer.from(h.parsed.bytes);
    const raw = new RawDocument(bytes);
    raw.json = h.json;
    return { k: Buffer.from(h.k), rowid: h.rowid, parsed: { bytes, rowid: h.rowid, stamp: 0, raw } };
  });
}
